"""The laboratory's pages for its host's users and ministry staff (mounted at /labs/)."""

from django.urls import path

from . import views, views_host, views_recommender, views_staff

app_name = "labs"
urlpatterns = [
    path("", views.lab_list, name="list"),
    path("batch/", views_staff.batch_action, name="batch"),
    path("recommended/", views_recommender.recommended, name="recommended"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/rounds/<int:round_pk>/opinion/", views_recommender.opinion, name="opinion"),
    path("<int:pk>/edit/", views_host.edit, name="edit"),
    path("<int:pk>/archive/", views.archive, name="archive"),
    path("<int:pk>/acceptance/", views_host.apply_acceptance, name="apply_acceptance"),
    path("<int:pk>/extension/", views_host.request_extension, name="request_extension"),
    path("<int:pk>/reports/new/", views_host.file_report, name="file_report"),
    path("<int:pk>/changes/new/", views_host.report_change, name="report_change"),
    path("<int:pk>/transitions/<str:name>/", views_staff.transition, name="transition"),
    path("<int:pk>/statement/", views_host.make_statement, name="statement"),
    path("statements/files/<int:pk>/", views.statement_file, name="statement_file"),
    path("reports/<int:pk>/acknowledge/", views_host.acknowledge_report, name="acknowledge_report"),
    path("extensions/<int:pk>/transitions/<str:name>/", views_staff.extension_transition, name="extension_transition"),
    path("changes/<int:pk>/transitions/<str:name>/", views_staff.change_transition, name="change_transition"),
]
