from django.urls import path

from torget.delivery import views

app_name = "delivery"

urlpatterns = [
    path("inbound-email", views.inbound_email, name="inbound_email"),
]
