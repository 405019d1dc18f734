"""The expert's pages (namespace "experts", included at "experts/") and the review PDFs."""

from django.urls import path

from . import pdf_views, views_expert

app_name = "experts"

urlpatterns = [
    path("", views_expert.assignment_list, name="assignments"),
    path("assignments/<int:pk>/", views_expert.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/score-sheet.pdf", pdf_views.score_sheet_pdf, name="score_sheet_pdf"),
]
