from django.urls import path

from . import document_views

app_name = "documents"
urlpatterns = [
    path("", document_views.register, name="register"),
    path("<int:pk>/", document_views.download, name="download"),
    path("<int:pk>/status/", document_views.status, name="status"),
]
