from django.urls import path

from torget.staff import views

app_name = "staff"

urlpatterns = [
    path("", views.inbox_page, name="inbox"),
]
