from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from torget.places import views as places_views
from torget.reports.views import browse

urlpatterns = [
    path("", browse.front, name="home"),
    path("", include("torget.reports.urls")),
    path("geocode", places_views.geocode, name="geocode"),
    path("accounts/", include("torget.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
