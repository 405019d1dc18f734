"""The ministries' pages of the calls for applications (namespace "calls")."""

from django.urls import path

from . import views_calls as views

app_name = "calls"

urlpatterns = [
    path("", views.call_list, name="list"),
    path("new/", views.call_create, name="create"),
    path("<int:pk>/", views.call_detail, name="detail"),
    path("<int:pk>/edit/", views.call_edit, name="edit"),
    path("<int:pk>/quotas/", views.call_quota, name="quota"),
    path("<int:pk>/list/", views.call_propose_list, name="propose_list"),
    path("<int:pk>/transitions/<slug:name>/", views.call_transition, name="transition"),
]
