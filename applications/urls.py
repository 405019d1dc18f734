"""Browser pages of applications (namespace "applications")."""

from django.urls import path

from . import views, views_host, views_recommender

app_name = "applications"

urlpatterns = [
    path("", views.application_list, name="list"),
    path("new/", views_host.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    # sections: overview, facilities, team, research, outcomes, support, consortium, attachments
    path("<int:pk>/edit/<slug:section>/", views_host.edit, name="edit"),
    path("<int:pk>/eligibility/", views_host.eligibility, name="eligibility"),
    path("<int:pk>/transitions/<slug:name>/", views.transition, name="transition"),
    path("<int:pk>/delete/", views_host.discard, name="discard"),
    path("<int:pk>/review/", views_recommender.review, name="review"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/attachments/<int:attachment_pk>/delete/", views_host.attachment_delete, name="attachment_delete"),
    path("<int:pk>/revisions/", views.revisions, name="revisions"),
    path("<int:pk>/revisions/<int:number>/dossier.pdf", views.dossier_pdf, name="dossier_pdf"),
]
