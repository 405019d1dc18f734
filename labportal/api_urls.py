"""The REST API, mounted at /api/ (schema at /api/schema/, Swagger UI at /api/docs/)."""

from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import SimpleRouter

from accounts.api import MeView, OrganisationViewSet
from applications.api import ApplicationAttachmentViewSet, ApplicationViewSet

app_name = "api"

router = SimpleRouter()
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("applications", ApplicationViewSet, basename="application")
router.register(
    r"applications/(?P<application_pk>[0-9]+)/attachments", ApplicationAttachmentViewSet, basename="application-attachment"
)

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="token"),
    path("me/", MeView.as_view(), name="me"),
    *router.urls,
]
