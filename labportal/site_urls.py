"""Site pages (included at ""): the home page (the public front page for visitors, the per-role
dashboard for users), the other public pages and the notification inbox."""

from django.urls import path

from . import views
from .front import views as front

urlpatterns = [
    path("", views.home, name="home"),
    path("welcome/", front.front_page, name="front_page"),
    path("measures/", front.measures, name="measures"),
    path("guide/", front.guide, name="guide"),
    path("downloads/", front.download_list, name="downloads"),
    path("downloads/<slug:slug>.pdf", front.download, name="download"),
    path("faq/", front.faq, name="faq"),
    path("contact/", front.contact_page, name="contact"),
    path("audit/", views.audit_verification, name="audit_verification"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
]
