from django.urls import path

from organisations import views

app_name = "organisations"

urlpatterns = [
    path("team/", views.teams, name="teams"),
    path("team/<int:pk>/", views.TeamView.as_view(), name="team"),
    path("team/<int:pk>/invite/", views.invite, name="invite"),
    path("team/<int:pk>/seats/<int:seat_id>/remove/", views.seat_remove, name="seat-remove"),
    path(
        "team/<int:pk>/invitations/<int:invitation_id>/withdraw/",
        views.invitation_withdraw,
        name="invitation-withdraw",
    ),
    path("team/<int:pk>/administrators/", views.administrator_add, name="administrator-add"),
    path(
        "team/<int:pk>/administrators/<int:user_id>/remove/",
        views.administrator_remove,
        name="administrator-remove",
    ),
    path("team/invitations/<str:token>/", views.InvitationView.as_view(), name="invitation"),
]
