"""The REST API, mounted at /api/ (schema at /api/schema/, Swagger UI at /api/docs/)."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from accounts.api import MeView, OrganisationViewSet, TokenView, TokenViewSet
from applications.api.applications import ApplicationViewSet
from applications.api.attachments import ApplicationAttachmentViewSet
from applications.api.calls import CallViewSet
from evaluations.api.acceptance_applications import AcceptanceApplicationViewSet
from evaluations.api.analytics import BreakdownsView, DeadlinesView, PipelineView, ScoresView
from evaluations.api.annual_reports import AnnualReportViewSet
from evaluations.api.change_reports import ChangeReportViewSet
from evaluations.api.evaluations import EvaluationViewSet
from evaluations.api.extension_requests import ExtensionRequestViewSet
from evaluations.api.lab_rounds import LabRoundViewSet
from evaluations.api.laboratories import LaboratoryViewSet
from evaluations.api.public_approved import PublicApprovedViewSet
from kernel.api import not_found
from kernel.api_verify import DocumentVerificationView
from reviews.api.assignments import AssignmentViewSet
from reviews.api.committees import CommitteeViewSet
from reviews.api.criteria import CriteriaSetViewSet
from reviews.api.formal_reviews import FormalReviewItemViewSet
from reviews.api.inspections import SiteInspectionViewSet
from reviews.api.notices import NoticeViewSet
from reviews.api.objections import ObjectionViewSet
from reviews.api.public_notices import PublicNoticeViewSet
from reviews.api.rounds import RoundViewSet

app_name = "api"

router = SimpleRouter()
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("auth/tokens", TokenViewSet, basename="token")
router.register("applications", ApplicationViewSet, basename="application")
router.register("calls", CallViewSet, basename="call")
router.register(r"applications/(?P<application_pk>[0-9]+)/attachments", ApplicationAttachmentViewSet, basename="application-attachment")

# The ministry stage (Art. 7-9, 13) and laboratories.
router.register("committees", CommitteeViewSet, basename="committee")
router.register("criteria-sets", CriteriaSetViewSet, basename="criteria-set")
router.register("formal-review-items", FormalReviewItemViewSet, basename="formal-review-item")
router.register("rounds", RoundViewSet, basename="round")
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("inspections", SiteInspectionViewSet, basename="inspection")
router.register("notices", NoticeViewSet, basename="notice")
router.register("objections", ObjectionViewSet, basename="objection")
router.register("laboratories", LaboratoryViewSet, basename="laboratory")
# A laboratory's records (Art. 18-27), each under its (visible) laboratory, and its expert rounds.
_LAB = r"laboratories/(?P<laboratory_pk>[0-9]+)"
router.register(f"{_LAB}/extension-requests", ExtensionRequestViewSet, basename="lab-extension-request")
router.register(f"{_LAB}/annual-reports", AnnualReportViewSet, basename="lab-annual-report")
router.register(f"{_LAB}/change-reports", ChangeReportViewSet, basename="lab-change-report")
router.register(f"{_LAB}/acceptance-applications", AcceptanceApplicationViewSet, basename="lab-acceptance-application")
router.register(f"{_LAB}/evaluations", EvaluationViewSet, basename="lab-evaluation")
router.register("lab-rounds", LabRoundViewSet, basename="lab-round")
# No login: what is under publicity, the objection form, and the approved construction list.
router.register("public/notices", PublicNoticeViewSet, basename="public-notice")
router.register("public/approved", PublicApprovedViewSet, basename="public-approved")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("me/", MeView.as_view(), name="me"),
    path("analytics/pipeline/", PipelineView.as_view(), name="analytics-pipeline"),
    path("analytics/breakdowns/", BreakdownsView.as_view(), name="analytics-breakdowns"),
    path("analytics/scores/", ScoresView.as_view(), name="analytics-scores"),
    path("analytics/deadlines/", DeadlinesView.as_view(), name="analytics-deadlines"),
    # No login: is this PDF an unaltered document the portal issued?
    path("public/verify/", DocumentVerificationView.as_view(), name="public-verify"),
    *router.urls,
    # Last: any other /api/ address answers the API's JSON 404 (one without its slash is still redirected).
    re_path(r".*/$", not_found),
]
