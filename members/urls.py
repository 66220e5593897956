from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("membership/", views.MembershipOverviewView.as_view(), name="overview"),
    path("membership/<slug:slug>/", views.TierView.as_view(), name="tier"),
]
