"""The OpenAPI schema documents what the API really answers (issue 14, item 8: `make securitycheck` runs
schemathesis against it): every operation lists its error answers, an address under /api/ that matches no
resource answers the API's JSON 404, and a choice that may be blank says so."""

from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import ApiToken
from applications.models import Application
from tests.factories import LocalHostFactory, applicant_of, ministry_staff

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def schema():
    return _client(applicant_of(LocalHostFactory())).get("/api/schema/", {"format": "json"}).json()


def test_every_operation_documents_its_error_answers(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            documented = set(operation["responses"])
            assert {"400", "401", "403", "404", "429"} <= documented, (method, path)
            if "requestBody" in operation:
                assert "413" in documented, (method, path)


def test_error_body_allows_nested_field_messages(schema):
    """A list of rows refused row by row (`{"outputs": {"2": {"title": [...]}}}`) is a documented error body."""
    errors = schema["components"]["schemas"]["Error"]["properties"]["errors"]
    assert errors["type"] == "object" and errors["additionalProperties"] == {}


def test_read_only_choice_that_may_be_blank_documents_the_blank(schema):
    """An organisation without a province (the ministries) answers "" for it: the schema must allow it."""
    province = schema["components"]["schemas"]["Organisation"]["properties"]["province"]
    alternatives = [option.get("$ref", "") for option in province.get("oneOf", [])]
    assert "#/components/schemas/BlankEnum" in alternatives


def test_files_are_documented_as_any_content_type(schema):
    download = schema["paths"]["/api/applications/{application_pk}/attachments/{id}/download/"]["get"]
    assert "*/*" in download["responses"]["200"]["content"]


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_an_api_address_matching_nothing_answers_json_404(method):
    client = _client(ministry_staff())
    response = getattr(client, method)("/api/applications/0.5/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_unknown_address_with_a_session_cookie_is_404_not_the_csrf_page(client):
    """A cookie-carrying DELETE to a wrong address must not meet the CSRF check's HTML page."""
    client.force_login(ministry_staff())
    client.handler.enforce_csrf_checks = True
    response = client.delete("/api/applications/0.5/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert not Application.objects.exists()


def test_address_without_its_slash_is_still_redirected(client):
    response = client.get("/api/applications")
    assert response.status_code == 301 and response["Location"].endswith("/api/applications/")


def test_operator_issues_a_token_that_authenticates_and_is_stored_hashed():
    """`manage.py issue_api_token` (used by `make securitycheck`): the printed token works; only its hash is kept."""
    staff = ministry_staff()
    out = StringIO()
    call_command("issue_api_token", staff.username, "--name", "check", stdout=out, stderr=StringIO())
    raw = out.getvalue().strip()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert client.get("/api/me/").json()["username"] == staff.username
    assert not ApiToken.objects.filter(digest=raw).exists() and ApiToken.objects.get(name="check").prefix == raw[:6]
