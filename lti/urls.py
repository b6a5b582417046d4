from django.urls import path

from . import views

app_name = "lti"

urlpatterns = [
    path("lti/login/", views.oidc_login, name="login"),
    path("lti/login/<uuid:registration_uuid>/", views.oidc_login, name="login_for"),
    path("lti/launch/", views.launch, name="launch"),
    path("lti/jwks/", views.jwks, name="jwks"),
    path("lti/canvas.json", views.canvas_config, name="canvas_config"),
    path("lti/setup/", views.setup, name="setup"),
    path("lti/register/<str:signed>/", views.dynamic_registration, name="dynamic_registration"),
    path("lti/deep-link/", views.deep_link, name="deep_link"),
    path("lti/link-account/", views.link_account, name="link_account"),
    path("lti/link-account/separate/", views.link_separate, name="link_separate"),
    path("lti/courses/<id:course_id>/roster/sync/", views.roster_sync, name="roster_sync"),
]
