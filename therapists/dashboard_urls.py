"""The therapist's own dashboard: profile, photo and certifications."""

app_name = "dashboard"

urlpatterns = []
