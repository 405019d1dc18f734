"""The pages people open on a phone fit its width: no sideways scrolling of the page, the menu folds
behind its toggle, and a PDF link shows progress once tapped."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from evaluations.models import LabStatus
from tests.factories import new_journey

PHONE = {"width": 390, "height": 844}


def fits_the_width(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the migrations' organisations for later tests
def test_public_and_lab_pages_fit_a_phone(portal):
    journey = new_journey()
    lab = journey.lab_in(LabStatus.RECTIFYING)  # a lab with its issued acceptance opinion
    with portal.visitor(locale="zh-CN") as page:
        page.set_viewport_size(PHONE)
        for path in (reverse("directory:list"), reverse("public:approved"), reverse("public:notices"),
                     reverse("directory:detail", args=[lab.pk]), "/", reverse("measures"), reverse("guide"),
                     reverse("faq"), reverse("public:objection_lookup")):
            page.goto(path)
            assert fits_the_width(page), path
            expect(page.locator(".navbar-toggler")).to_be_visible()  # the menu folds away on a phone
    with portal.person(journey.host_user(lab), reverse("labs:detail", args=[lab.pk])) as page:
        page.set_viewport_size(PHONE)
        page.reload()
        assert fits_the_width(page)
        document = page.get_by_test_id("issued-document").first  # its number and download fit and can be tapped
        expect(document).to_have_attribute("data-kind", "acceptance_opinion")
        box = document.get_by_role("link").bounding_box()
        assert box["width"] >= 16 and box["height"] >= 16 and box["x"] + box["width"] <= PHONE["width"]
