"""The staff dashboard of the laboratories (namespace "dashboard", mounted at /dashboard/)."""

from django.urls import path

from . import views_dashboard as views

app_name = "dashboard"
urlpatterns = [
    path("", views.dashboard, name="index"),
    path("charts/", views.analytics_page, name="charts"),
]
