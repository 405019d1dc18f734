"""Ministry staff pages of the review stage (namespace "reviews", included at "reviews/")."""

from django.urls import path

from . import pdf_views
from . import views_staff as views

app_name = "reviews"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("applications/<int:pk>/formal-review/", views.formal_review, name="formal_review"),
    path("applications/<int:pk>/inspection/", views.inspection, name="inspection"),
    path("committees/", views.committees, name="committees"),
    path("committees/<int:pk>/", views.committee, name="committee"),
    path("committees/<int:pk>/transitions/<slug:name>/", views.committee_transition, name="committee_transition"),
    path("rounds/", views.rounds, name="rounds"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/export.csv", views.round_export, name="round_export"),
    path("rounds/<int:pk>/applications/<int:app_pk>/assign/", views.round_assign, name="round_assign"),
    path("assignments/<int:pk>/transitions/<slug:name>/", views.assignment_transition, name="assignment_transition"),
    path("notices/", views.notices, name="notices"),
    path("notices/new/", views.notice_create, name="notice_create"),
    path("notices/window/", views.notice_window, name="notice_window"),
    path("notices/<int:pk>/", views.notice, name="notice"),
    path("notices/<int:pk>/transitions/<slug:name>/", views.notice_transition, name="notice_transition"),
    path("objections/<int:pk>/transitions/<slug:name>/", views.objection_transition, name="objection_transition"),
    path("objections/<int:pk>/<str:which>/", views.objection_file, name="objection_file"),
    # The round summary PDF (staff); score sheets are `experts:score_sheet_pdf`.
    path("rounds/<int:pk>/summary.pdf", pdf_views.round_pdf, name="round_pdf"),
]

