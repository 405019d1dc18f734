"""Public pages, no login (namespace "public", included at "public/"): publicity notices, the
real-name objection form, and the approved construction list with its PDF."""

from django.urls import path

from . import views_public as views

app_name = "public"

urlpatterns = [
    path("", views.notices, name="notices"),
    path("notices/<int:pk>/", views.notice, name="notice"),
    path("notices/<int:pk>/object/", views.lodge, name="object"),
    path("notices/<int:pk>/object/received/", views.object_received, name="object_received"),
    path("approved/", views.approved, name="approved"),
    path("approved.pdf", views.approved_pdf, name="approved_pdf"),
]
