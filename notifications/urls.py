from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("<id:notification_id>/read/", views.mark_read, name="mark_read"),
    path("<id:notification_id>/open/", views.open_notification, name="open"),
    path("settings/", views.preferences, name="preferences"),
    path("unsubscribe/<str:unsubscribe_token>/", views.unsubscribe, name="unsubscribe"),
]
