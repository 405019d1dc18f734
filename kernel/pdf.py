"""PDF documents with WeasyPrint: Chinese fonts named explicitly, no network, only our own files.

Templates extend `pdf/base.html` (`<html lang="zh-CN">`, font-family "Noto Sans CJK SC"). Render
large documents in a Celery task; small ones (a score sheet) inline.
"""

import gc
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

PDF_BASE_URL = "file:///labportal-pdf/"


def _local_only_fetcher(url, *args, **kwargs):
    """Serve static files referenced by the template; refuse anything else (no network)."""
    from weasyprint.urls import default_url_fetcher

    if url.startswith(PDF_BASE_URL + "static/"):
        found = finders.find(url[len(PDF_BASE_URL + "static/"):])
        if found:
            return default_url_fetcher(Path(found).as_uri())
    raise ValueError(f"PDF resource not allowed: {url}")


@contextmanager
def _collector_paused():
    """WeasyPrint builds millions of short-lived objects and almost no cycles: Python's cyclic collector, run
    thousands of times over a growing heap, cost about a tenth of a big book's rendering (bench). Paused for the
    rendering; whatever it left is collected on the next run as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def render_pdf(template_name, context, language=None, progress=None):
    """Render `template_name` to PDF bytes, in the portal's language (Chinese by default). A worker's `progress(percent)`
    hears when the HTML is written and when the pages are laid out (the long part of a big list)."""
    from weasyprint import HTML

    with translation.override(language or settings.LANGUAGE_CODE):
        html = render_to_string(template_name, context)
    if progress:
        progress(20)
    with _collector_paused():
        laid_out = HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=_local_only_fetcher).render()
        if progress:
            progress(90)
        return laid_out.write_pdf()
