from django.urls import path

from delivery.views.unsubscribe import UnsubscribeView

app_name = "delivery"

urlpatterns = [
    path("email/unsubscribe/<str:token>/", UnsubscribeView.as_view(), name="unsubscribe"),
]
