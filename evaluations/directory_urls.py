"""The public directory of laboratories, no login (namespace "directory", mounted at /directory/)."""

from django.urls import path

from . import views_directory as views

app_name = "directory"
urlpatterns = [
    path("", views.directory, name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("decisions/", views.decisions, name="decisions"),
]
