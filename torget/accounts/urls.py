from django.urls import path

from torget.accounts import data_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.log_in, name="login"),
    path("login/link/", views.request_login_link, name="login_link"),
    path("login/link/<uidb64>/<token>/", views.log_in_with_link, name="login_with_link"),
    path("logout/", views.log_out, name="logout"),
    path("my-data/", data_views.my_data, name="my_data"),
    path("my-data/export/", data_views.request_export, name="request_export"),
    path("my-data/download/<str:token>/", data_views.download_export, name="download_export"),
    path("my-data/erase/", data_views.erase, name="erase"),
]
