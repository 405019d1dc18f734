from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),  # where: the ADMIN_PATH setting
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include("labportal.api_urls")),
    path("accounts/", include("accounts.urls")),
    path("captcha/", include("captcha.urls")),
    path("applications/", include("applications.urls")),
    path("calendar/", include("kernel.calendar_urls")),
    path("reviews/", include("reviews.urls")),
    path("experts/", include("reviews.expert_urls")),
    path("public/", include("reviews.public_urls")),
    path("labs/", include("evaluations.urls")),
    path("dashboard/", include("evaluations.dashboard_urls")),
    path("directory/", include("evaluations.directory_urls")),
    path("", include("labportal.site_urls")),
]
