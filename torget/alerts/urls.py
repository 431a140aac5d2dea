from django.urls import URLPattern, URLResolver, path

from torget.alerts import views

app_name = "alerts"

urlpatterns: list[URLPattern | URLResolver] = [
    path("alerts", views.start, name="start"),
    path("alerts/subscribe", views.subscribe, name="subscribe"),
    path("alerts/confirm/<str:token>", views.confirm, name="confirm"),
    path("alerts/mine", views.mine, name="mine"),
    path("alerts/mine/<int:pk>", views.edit, name="edit"),
    path("alerts/unsubscribe/<str:token>", views.unsubscribe, name="unsubscribe"),
]
