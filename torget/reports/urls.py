from django.urls import path

from torget.reports.views import browse, mine, outbox, report, submit

app_name = "reports"

urlpatterns = [
    path("around", browse.not_built_yet, name="around"),
    path("reports.geojson", browse.not_built_yet, name="geojson"),
    path("reports", browse.not_built_yet, name="all"),
    path("reports/<slug:slug>", browse.not_built_yet, name="body"),
    path("report/new", submit.not_built_yet, name="new"),
    path("report/confirm/<str:token>", submit.not_built_yet, name="confirm"),
    path("report/<int:pk>", report.not_built_yet, name="detail"),
    path("report/<int:pk>/update", report.not_built_yet, name="add_update"),
    path("report/<int:pk>/support", report.not_built_yet, name="support"),
    path("report/<int:pk>/reopen", report.not_built_yet, name="reopen"),
    path("report/<int:pk>/answer", report.not_built_yet, name="answer"),
    path("report/<int:pk>/hide-name", report.not_built_yet, name="hide_name"),
    path("report/<int:pk>/takedown", report.not_built_yet, name="takedown"),
    path("my", mine.not_built_yet, name="my"),
    path("dev/outbox", outbox.not_built_yet, name="outbox"),
]
