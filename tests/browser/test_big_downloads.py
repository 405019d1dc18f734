"""Three people downloading the biggest public document at once, the approved construction list of many laboratories
(Art. 13), do not slow the front page for a fourth: the stored file is served and nothing is rendered while they
download. The home page's load time is compared with itself, alone and during the downloads, never with a clock."""

import statistics

import pytest

from kernel import documents
from kernel.models import Document
from reviews.prepared import approved_list
from tests.bulk import approved_laboratories

LABS = 150  # 20-odd pages; rendering it is the setup's work (a few seconds), not the test's

DOWNLOAD_THREE = """async (url) => {
  window.downloading = 3;
  const one = async () => {
    const response = await fetch(url);
    const reader = response.body.getReader();
    let size = 0;
    for (;;) {  // read as a slow line would, so that the downloads last while the home page loads
      const {done, value} = await reader.read();
      if (done) break;
      size += value.length;
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    window.downloading -= 1;
    return {status: response.status, type: response.headers.get("content-type"), size};
  };
  window.downloads = Promise.all([one(), one(), one()]);
}"""


def home_load_ms(page):
    page.goto("/", wait_until="load")
    return page.evaluate("performance.getEntriesByType('navigation')[0].duration")


def home_loads_started_before(page, other, script, count=3):
    """The home page's load times of up to `count` loads started while `other`'s `script` says it is still busy."""
    loads = []
    while len(loads) < count and other.evaluate(script):
        loads.append(home_load_ms(page))
    return loads


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the migrations' organisations for later tests
def test_three_downloads_of_the_approved_list_do_not_slow_the_home_page_art13(portal, monkeypatch):
    approved_laboratories(LABS)
    stored = documents.render(approved_list().pk)  # Celery is eager here: rendered at its row's commit
    assert stored.ready and stored.size > 100_000
    rendered = []
    monkeypatch.setattr(documents, "render", lambda pk: rendered.append(pk))  # what the worker would do
    monkeypatch.setattr(documents, "_enqueue", lambda pk: rendered.append(pk))  # what a request would queue

    with portal.visitor() as visitor, portal.visitor() as crowd:
        home_load_ms(visitor)  # the first load warms templates and connections
        alone = statistics.median(home_load_ms(visitor) for _ in range(3))
        crowd.goto("/public/approved/")
        crowd.evaluate(DOWNLOAD_THREE, "/public/approved.pdf")
        during = home_loads_started_before(visitor, crowd, "window.downloading > 0")
        downloads = crowd.evaluate("window.downloads")

    print(f"home page: {alone:.0f} ms alone, {', '.join(f'{ms:.0f}' for ms in during)} ms during three downloads")
    assert during, "the home page loaded while they downloaded"
    assert all(d["status"] == 200 and d["type"] == "application/pdf" and d["size"] == stored.size for d in downloads)
    assert rendered == [] and Document.objects.filter(kind="approved_list").count() == 1  # served, never rendered
    assert statistics.median(during) <= 3 * alone + 250, (alone, during)
