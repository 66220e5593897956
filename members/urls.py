from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("membership/", views.MembershipOverviewView.as_view(), name="overview"),
    path(
        "membership/invitations/opened/",
        views.InvitationOpenedView.as_view(),
        name="invitation-opened",
    ),
    path(
        "membership/invitations/<str:token>/",
        views.InvitationView.as_view(),
        name="invitation",
    ),
    path("membership/<slug:slug>/", views.TierView.as_view(), name="tier"),
    path("account/", views.AccountView.as_view(), name="account"),
    path(
        "account/sign-out-everywhere/",
        views.SignOutEverywhereView.as_view(),
        name="sign-out-everywhere",
    ),
    path("account/delete/", views.AccountDeleteView.as_view(), name="account-delete"),
]
