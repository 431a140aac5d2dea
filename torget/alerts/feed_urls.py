"""/feeds/...: every feed in two formats, e.g. /feeds/reports.rss and /feeds/reports.atom."""

from django.urls import URLPattern, URLResolver, path, register_converter

from torget.alerts import feeds


class FeedFormat:
    regex = "rss|atom"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FeedFormat, "feedformat")

app_name = "feeds"

urlpatterns: list[URLPattern | URLResolver] = [
    path("reports.<feedformat:fmt>", feeds.rss_and_atom(feeds.NewReportsFeed), name="reports"),
    path("fixed.<feedformat:fmt>", feeds.rss_and_atom(feeds.FixedReportsFeed), name="fixed"),
    path("near.<feedformat:fmt>", feeds.rss_and_atom(feeds.NearFeed), name="near"),
    path(
        "report/<int:pk>.<feedformat:fmt>",
        feeds.rss_and_atom(feeds.ReportUpdatesFeed),
        name="report",
    ),
    path("area/<int:area_id>.<feedformat:fmt>", feeds.rss_and_atom(feeds.AreaFeed), name="area"),
    path("body/<slug:slug>.<feedformat:fmt>", feeds.rss_and_atom(feeds.BodyFeed), name="body"),
]
