from django.urls import path

from . import calendar_views

app_name = "calendar"
urlpatterns = [
    path("", calendar_views.calendar_page, name="page"),
    path("feed/token/", calendar_views.regenerate_feed_token, name="regenerate_token"),
    path("feed/<str:token>.ics", calendar_views.feed, name="feed"),
]
