from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.views.generic.base import RedirectView

from torget.accounts import views as accounts_views
from torget.places import views as places_views
from torget.reports.views import browse

urlpatterns = [
    path("", browse.front, name="home"),
    path("", include("torget.reports.urls")),
    path("geocode", places_views.geocode, name="geocode"),
    path("accounts/", include("torget.accounts.urls")),
    path("delivery/", include("torget.delivery.urls")),
    path("", include("torget.alerts.urls")),
    path("feeds/", include("torget.alerts.feed_urls")),
    path("questionnaire/", include("torget.alerts.questionnaire_urls")),
    path("open311/", include("torget.open311.urls")),
    path("staff/", include("torget.staff.urls")),
    path("", include("torget.site.urls")),
    path("i18n/setlang/", accounts_views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", RedirectView.as_view(url=static_url("torget/favicon.svg"), permanent=True)),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
