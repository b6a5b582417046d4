from .views import (
    authoring,
    feedback,
    gradebook,
    grading,
    insights,
    planning,
    progress,
    rubrics,
    writeups,
)

app_name = "interviews"
urlpatterns = [
    *authoring.urlpatterns,
    *planning.urlpatterns,
    *writeups.urlpatterns,
    *progress.urlpatterns,
    *rubrics.urlpatterns,
    *feedback.urlpatterns,
    *grading.urlpatterns,
    *gradebook.urlpatterns,
    *insights.urlpatterns,
]
