"""Ministry staff pages of the review stage (namespace "reviews", included at "reviews/")."""

from django.urls import path

from . import pdf_views, views_autoassign, views_committees, views_notices, views_rounds, views_staff

app_name = "reviews"

urlpatterns = [
    path("", views_staff.queue, name="queue"),
    path("batch/", views_staff.batch_action, name="batch"),
    path("applications/<int:pk>/formal-review/", views_staff.formal_review, name="formal_review"),
    path("applications/<int:pk>/inspection/", views_staff.inspection, name="inspection"),
    path("committees/", views_committees.committees, name="committees"),
    path("committees/<int:pk>/", views_committees.committee, name="committee"),
    path("committees/<int:pk>/replace-member/", views_committees.replace_member, name="committee_replace_member"),
    path("committees/<int:pk>/transitions/<slug:name>/", views_committees.committee_transition, name="committee_transition"),
    path("experts/<int:pk>/expertise/", views_committees.expert_expertise, name="expert_expertise"),
    path("rounds/", views_rounds.rounds, name="rounds"),
    path("rounds/new/", views_rounds.round_create, name="round_create"),
    path("rounds/<int:pk>/", views_rounds.round_detail, name="round"),
    path("rounds/<int:pk>/conclude/", views_rounds.round_conclude, name="round_conclude"),
    path("rounds/<int:pk>/scoring-due/", views_rounds.round_reschedule, name="round_reschedule"),
    path("rounds/<int:pk>/late/", views_rounds.round_late, name="round_late"),
    path("rounds/<int:pk>/export.csv", views_rounds.round_export, name="round_export"),
    path("rounds/<int:pk>/applications/<int:app_pk>/assign/", views_rounds.round_assign, name="round_assign"),
    path("rounds/<int:pk>/applications/<int:app_pk>/experts/", views_rounds.round_entry_experts,
         name="round_entry_experts"),
    path("rounds/<int:pk>/assign-automatically/", views_autoassign.round_autoassign, name="round_autoassign"),
    path("rounds/<int:pk>/proposals/<int:proposal_pk>/", views_autoassign.round_proposal, name="round_proposal"),
    path("assignments/<int:pk>/transitions/<slug:name>/", views_rounds.assignment_transition, name="assignment_transition"),
    path("notices/", views_notices.notices, name="notices"),
    path("notices/new/", views_notices.notice_create, name="notice_create"),
    path("notices/window/", views_notices.notice_window, name="notice_window"),
    path("notices/<int:pk>/", views_notices.notice, name="notice"),
    path("notices/<int:pk>/transitions/<slug:name>/", views_notices.notice_transition, name="notice_transition"),
    path("objections/<int:pk>/transitions/<slug:name>/", views_notices.objection_transition, name="objection_transition"),
    path("objections/<int:pk>/reveal/", views_notices.objection_reveal, name="objection_reveal"),
    path("objections/<int:pk>/<str:which>/", views_notices.objection_file, name="objection_file"),
    # The round summary PDF (staff); score sheets are `experts:score_sheet_pdf`.
    path("rounds/<int:pk>/summary.pdf", pdf_views.round_pdf, name="round_pdf"),
]

