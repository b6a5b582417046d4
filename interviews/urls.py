from .views import authoring, planning, progress, writeups

app_name = "interviews"
urlpatterns = [
    *authoring.urlpatterns,
    *planning.urlpatterns,
    *writeups.urlpatterns,
    *progress.urlpatterns,
]
