"""The ministries' lists hold what the recommenders forwarded (Art. 10, 13): a local application recommended by
only one of its two provincial bodies, or one still awaiting recommendation, is in no list of the ministry stage
(the review queue, the applications list, the home page, the API list), though staff reach it by its address."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from applications.models import Status
from labportal.journeys import ALL_MEET, recommenders_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("client_en")]


def names(response):
    return {app.name_zh for app in response.context["page_obj"]}


def test_ministry_lists_hold_only_what_both_recommenders_forwarded_art10_13(client, journey):
    awaiting = journey.submitted(name_zh="待推荐质量国家质量标准实验室")
    half = journey.submitted(name_zh="半推荐质量国家质量标准实验室")
    first, _second = recommenders_of(half)
    half = journey.take(half, "recommend", journey.cast.recommender(first), dimensions=ALL_MEET)
    assert half.status == Status.SUBMITTED  # a local application needs both (Art. 10)
    forwarded = journey.recommended(name_zh="已推荐质量国家质量标准实验室")
    held_back = {awaiting.name_zh, half.name_zh}

    client.force_login(journey.staff)
    for url in (reverse("reviews:queue") + "?show=all", reverse("reviews:queue"), reverse("applications:list")):
        listed = names(client.get(url))
        assert forwarded.name_zh in listed and not listed & held_back, url
    home = client.get(reverse("home")).content.decode()
    assert forwarded.name_zh in home and half.name_zh not in home and awaiting.name_zh not in home
    api = APIClient()
    api.force_authenticate(journey.staff)
    listed = {row["name_zh"] for row in api.get("/api/applications/").json()["results"]}
    assert forwarded.name_zh in listed and not listed & held_back
    for app in (awaiting, half):  # looked up deliberately, by its address
        assert client.get(app.get_absolute_url()).status_code == 200
        assert api.get(f"/api/applications/{app.pk}/").status_code == 200

    recommender = journey.cast.recommender(first)  # the recommenders' own lists are unchanged
    client.force_login(recommender)
    assert {half.name_zh} <= names(client.get(reverse("applications:list")))
