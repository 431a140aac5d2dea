from django.urls import path

from torget.site import outbox, requests, statements

app_name = "site"

urlpatterns = [
    path("dev/outbox", outbox.outbox, name="outbox"),
    path("dev/outbox/<str:name>", outbox.message, name="outbox_message"),
    path("privacy", statements.privacy, name="privacy"),
    path("accessibility", statements.accessibility, name="accessibility"),
    path("privacy/requests", requests.find, name="requests"),
    path("privacy/requests/export", requests.export, name="request_export"),
    path("privacy/requests/anonymise", requests.anonymise, name="request_anonymise"),
]
