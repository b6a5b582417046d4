from django.urls import path

from . import views

app_name = "courses"
urlpatterns = [
    path("", views.home, name="home"),
    path("courses/", views.my_courses, name="mine"),
    path("courses/new/", views.course_create, name="create"),
    path("courses/<id:course_id>/", views.course_detail, name="detail"),
    path("courses/<id:course_id>/roster/", views.roster, name="roster"),
    path("courses/<id:course_id>/roster/invite/", views.invite, name="invite"),
    path(
        "courses/<id:course_id>/roster/import/",
        views.roster_import_upload,
        name="roster_import_upload",
    ),
    path(
        "courses/<id:course_id>/roster/import/<id:import_id>/",
        views.roster_import_detail,
        name="roster_import",
    ),
    path(
        "courses/<id:course_id>/roster/import/<id:import_id>/progress/",
        views.roster_import_progress,
        name="roster_import_progress",
    ),
    path(
        "courses/<id:course_id>/members/<id:membership_id>/role/",
        views.member_change_role,
        name="member_role",
    ),
    path(
        "courses/<id:course_id>/members/<id:membership_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path(
        "courses/<id:course_id>/members/<id:membership_id>/readmit/",
        views.member_readmit,
        name="member_readmit",
    ),
    path("courses/<id:course_id>/leave/", views.course_leave, name="leave"),
    path(
        "courses/<id:course_id>/invitations/<id:invitation_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "courses/<id:course_id>/invitations/<id:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("courses/<id:course_id>/settings/", views.course_settings, name="settings"),
    path("courses/<id:course_id>/settings/joining/", views.course_joining, name="joining"),
    path("courses/<id:course_id>/settings/archive/", views.course_archive, name="archive"),
    path("join/", views.join, name="join"),
    path("join/<str:code>/", views.join_link, name="join_link"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path(
        "invitations/<str:token>/switch-account/",
        views.invitation_switch_account,
        name="invitation_switch_account",
    ),
    path(
        "my-invitations/<id:invitation_id>/accept/",
        views.invitation_accept_mine,
        name="invitation_accept_mine",
    ),
    path(
        "my-invitations/<id:invitation_id>/decline/",
        views.invitation_decline_mine,
        name="invitation_decline_mine",
    ),
]
