"""The pages the public, a host's applicant and the recommenders (a provincial market regulator and a
competent department) reach from their menus and home page show every form control and table, fit the
window at 1366 and 390 px, keep navbar items and button labels whole, and the navbar readable
(contrast ≥ 4.5:1). The pages are found by following links, see tests/browser/layout.py."""

import pytest

from tests.browser.layout import PUBLIC, walk_the_demo


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the live server reads what is committed
def test_pages_of_the_public_applicants_and_recommenders_show_what_they_hold(chromium, live_server, settings, tmp_path):
    walk_the_demo(chromium, live_server, settings, tmp_path, [PUBLIC, "applicant", "samr_js", "recommender_moe"])
