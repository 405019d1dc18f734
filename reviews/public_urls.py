"""Public pages, no login (namespace "public", included at "public/"): publicity notices, the
real-name objection form and its look-up by receipt number, and the approved construction list with its PDF."""

from django.urls import path

from . import views_public as views

app_name = "public"

urlpatterns = [
    path("", views.notices, name="notices"),
    path("notices/<int:pk>/", views.notice, name="notice"),
    path("notices/<int:pk>/object/", views.lodge, name="object"),
    path("notices/<int:pk>/object/received/", views.object_received, name="object_received"),
    path("objections/lookup/", views.objection_lookup, name="objection_lookup"),
    path("approved/", views.approved, name="approved"),
    path("approved.pdf", views.approved_pdf, name="approved_pdf"),
]
