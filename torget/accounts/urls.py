from django.urls import path

from torget.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.log_in, name="login"),
    path("login/link/", views.request_login_link, name="login_link"),
    path("login/link/<uidb64>/<token>/", views.log_in_with_link, name="login_with_link"),
    path("logout/", views.log_out, name="logout"),
]
