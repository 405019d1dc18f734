"""The batch selection of the ministry queue on a phone: the select-all box, the row boxes and the action bar fit
390 px and can be tapped, and a batch runs with its per-item report (one page visit, then the form's POST)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.layout import CHECK, MIN_CONTRAST
from tests.factories import new_journey

PHONE = {"width": 390, "height": 844}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the migrations' organisations for later tests
def test_queue_selection_fits_a_phone_and_a_batch_runs(portal):
    journey = new_journey()
    passed = journey.formal_review_passed()
    recommended = journey.recommended()
    with portal.person(journey.staff, reverse("reviews:queue") + "?show=all") as page:
        page.set_viewport_size(PHONE)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert page.evaluate(CHECK, {"lang": "en", "minContrast": MIN_CONTRAST}) == []
        select_all = page.get_by_label("Select all on this page")
        controls = [select_all, page.get_by_label(f"Select {passed}"), page.get_by_label(f"Select {recommended}"),
                    *page.get_by_test_id("batch-bar").get_by_role("button").all()]
        for control in controls:
            box = control.bounding_box()
            assert box["width"] >= 12 and box["height"] >= 12 and box["x"] + box["width"] <= PHONE["width"], control

        select_all.check()  # the script ticks every row, and the bar counts them
        expect(page.get_by_label(f"Select {passed}")).to_be_checked()
        expect(page.get_by_test_id("batch-bar")).to_contain_text("Selected: 2")
        page.get_by_label(f"Select {recommended}").uncheck()
        assert page.evaluate("document.getElementById('batch-select-all').indeterminate")

        page.get_by_role("button", name="Open an expert review round").click()
        report = page.get_by_test_id("batch-report")
        expect(report.locator(f'tr[data-pk="{passed.pk}"]')).to_have_attribute("data-outcome", "ready")
        expect(report.locator("tbody tr")).to_have_count(1)  # the unticked one was not sent
        expect(page.get_by_test_id("batch-continue")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
