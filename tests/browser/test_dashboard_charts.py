"""The charts page draws every chart (ECharts, SVG) under the Content-Security-Policy (its tooltips too), at a desk and
on a phone, with its table of the same numbers, and a chart downloads as a PNG."""

import pytest
from django.urls import reverse

from applications.states import Status
from tests.factories import new_journey

CHARTS = reverse("dashboard:charts")


def drawn(page):
    """Each chart container: its SVG's size and how many shapes are inside it."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('[data-chart]')).map(el => {
        const svg = el.querySelector('svg'); const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
        return {id: el.id, width: box.width, height: box.height, shapes: svg ? svg.querySelectorAll('path, rect, text').length : 0};
    })""")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the migrations' organisations for later tests
def test_the_charts_draw_under_the_csp_and_fit_a_phone(portal):
    journey = new_journey()
    journey.approved()  # a scored round, a laboratory and its deadlines
    journey.application_in(Status.SUBMITTED)
    with portal.person(journey.staff, CHARTS) as page:
        refused = []
        page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        page.reload()
        charts = drawn(page)
        assert len(charts) == 7, charts
        for chart in charts:
            assert chart["width"] > 200 and chart["height"] > 150 and chart["shapes"] > 5, chart
        assert page.locator("[data-testid$='-table'] tbody tr").count() > 30
        for name in ("pipeline", "provinces"):  # a tooltip is drawn in the chart, with no style the CSP refuses
            box = page.locator(f"#chart-{name}-drawing").bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_timeout(300)
        with page.expect_download() as download:
            page.locator("[data-chart-png='chart-pipeline']").click()
        assert download.value.suggested_filename.startswith("pipeline-") and download.value.suggested_filename.endswith(".png")

        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        for chart in drawn(page):
            assert 300 < chart["width"] <= 390 and chart["shapes"] > 5, chart
        assert refused == []
