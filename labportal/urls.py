from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),  # where: the ADMIN_PATH setting
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's initialiser as a script of its own: no inline script (Content-Security-Policy).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/swagger_ui.html"),
         name="api-docs"),
    path("api/", include("labportal.api_urls")),
    path("accounts/", include("accounts.urls")),
    path("captcha/", include("captcha.urls")),
    path("applications/", include("applications.urls")),
    path("calendar/", include("kernel.calendar_urls")),
    path("documents/", include("kernel.document_urls")),
    path("reviews/", include("reviews.urls")),
    path("experts/", include("reviews.expert_urls")),
    path("public/", include("reviews.public_urls")),
    path("labs/", include("evaluations.urls")),
    path("dashboard/", include("evaluations.dashboard_urls")),
    path("directory/", include("evaluations.directory_urls")),
    path("", include("labportal.site_urls")),
]
