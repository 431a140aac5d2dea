from django.urls import path

from torget.site import outbox

app_name = "site"

urlpatterns = [
    path("dev/outbox", outbox.outbox, name="outbox"),
    path("dev/outbox/<str:name>", outbox.message, name="outbox_message"),
]
