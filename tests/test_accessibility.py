"""Pages people fill in work for everyone: every form control has a label, the layout adapts to a phone,
slow documents (PDFs, exports) show progress once clicked, and the pages speak Chinese first and English
on request."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from applications.forms import SECTION_ORDER
from evaluations.models import LabStatus
from tests.factories import ApplicationFactory, LocalHostFactory, applicant_of

pytestmark = pytest.mark.django_db

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class FormControls(HTMLParser):
    """The form controls of a page and whether each has a label (for=, wrapping, or aria)."""

    def __init__(self):
        super().__init__()
        self.label_targets, self.controls, self.open_labels = set(), [], 0
        self.viewport = False
        self.scripts = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            self.open_labels += 1
            if attrs.get("for"):
                self.label_targets.add(attrs["for"])
        elif tag in ("input", "select", "textarea"):
            if tag == "input" and attrs.get("type", "text") in UNLABELLED_TYPES:
                return
            named = bool(attrs.get("aria-label") or attrs.get("aria-labelledby") or attrs.get("title"))
            self.controls.append((attrs.get("name"), attrs.get("id"), named or self.open_labels > 0))
        elif tag == "meta" and attrs.get("name") == "viewport":
            self.viewport = "width=device-width" in (attrs.get("content") or "")
        elif tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])

    def handle_endtag(self, tag):
        if tag == "label" and self.open_labels:
            self.open_labels -= 1

    def unlabelled(self):
        return [name or control_id for name, control_id, named in self.controls
                if not named and control_id not in self.label_targets]


def parse(response):
    assert response.status_code == 200, response.status_code
    page = FormControls()
    page.feed(response.content.decode())
    return page


def form_pages(journey):
    """(user, url) of the forms each kind of user fills in, with a real object behind each."""
    lab = journey.approved(months_ago=24)
    host = journey.host_user(lab)
    lab_forms = ["labs:edit", "labs:request_extension", "labs:file_report", "labs:report_change",
                 "labs:apply_acceptance"]
    application = ApplicationFactory(host=LocalHostFactory())
    applicant = applicant_of(application.host)
    pages = [(host, reverse(name, args=[lab.pk])) for name in lab_forms]
    pages += [(applicant, reverse("applications:edit", args=[application.pk, section])) for section in SECTION_ORDER]
    pages += [(journey.staff, reverse(name)) for name in ("reviews:round_create", "reviews:notice_create",
                                                        "reviews:queue", "labs:list", "dashboard:index")]
    pages += [(None, reverse("directory:list")), (None, reverse("public:approved")), (None, reverse("login"))]
    return pages


def test_every_form_control_has_a_label_and_pages_fit_a_phone(client, journey):
    pages = form_pages(journey)
    for user, url in pages:
        client.logout()
        if user is not None:
            client.force_login(user)
        page = parse(client.get(url))
        assert page.controls or url.endswith(("/dashboard/", "/labs/")), url
        assert page.unlabelled() == [], url
        assert page.viewport, url  # the layout follows the width of a phone


def acceptance_round(lab):
    return lab.application.round_entries.get(round__criteria_set__purpose="acceptance").round_id


def test_pdf_and_export_links_show_progress_once_clicked(client, journey):
    """Preparing an export or a big PDF's page takes a moment: the link says so (data-loading, handled by
    loading-links.js on every page). Issued documents are stored files and need no such sign."""
    rectifying = journey.lab_in(LabStatus.RECTIFYING)
    client.force_login(journey.staff)
    round_page = client.get(reverse("reviews:round", args=[acceptance_round(rectifying)])
                            ).content.decode()
    approved = client.get(reverse("public:approved")).content.decode()
    for html, link in ((round_page, "export.csv"), (round_page, "summary.pdf"),
                       (approved, "approved-pdf")):
        tag = next(part for part in html.split("<a ")[1:] if link in part.split(">")[0])
        assert "data-loading=" in tag.split(">")[0], link
    assert any(src.endswith("js/loading-links.js") for src in parse(client.get(reverse("labs:list"))).scripts)


def test_pages_speak_chinese_first_and_english_on_request(client, journey):
    lab = journey.approved()
    client.force_login(journey.host_user(lab))
    url = reverse("labs:detail", args=[lab.pk])
    chinese = client.get(url).content.decode()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="zh-CN"' in chinese and "建设中" in chinese
    assert 'lang="en"' in english and "Under construction" in english
