"""The bench's urlconf (`bench/server_settings.py`): the portal's addresses and a hello-world view, the yardstick
that `bench/pages.py` measures every page against, served through the same middleware in the same process. Never in
the portal's own urlconf."""

from django.http import HttpResponse
from django.urls import path

from labportal.urls import urlpatterns as portal


def hello(request):
    return HttpResponse(b"Hello, world", content_type="text/plain")


urlpatterns = [path("bench/hello/", hello, name="bench_hello"), *portal]
