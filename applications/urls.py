urlpatterns = []
app_name = "applications"
