from django.urls import path

from torget.reports.views import browse, mine, report, submit

app_name = "reports"

urlpatterns = [
    path("about", browse.about, name="about"),
    path("around", browse.around, name="around"),
    path("reports.geojson", browse.reports_geojson, name="geojson"),
    path("reports", browse.all_reports, name="all"),
    path("reports/<slug:slug>", browse.body_reports, name="body"),
    path("report/new", submit.new_report, name="new"),
    path("report/confirm/<str:token>", submit.confirm, name="confirm"),
    path("report/<int:pk>", report.detail, name="detail"),
    path("report/<int:pk>/update", report.add_update, name="add_update"),
    path("report/<int:pk>/support", report.support, name="support"),
    path("report/<int:pk>/reopen", report.reopen, name="reopen"),
    path("report/<int:pk>/answer", report.answer, name="answer"),
    path("report/<int:pk>/category", report.change_category, name="change_category"),
    path("report/<int:pk>/hide-name", report.hide_name, name="hide_name"),
    path("report/<int:pk>/takedown", report.takedown, name="takedown"),
    path("my", mine.my, name="my"),
]
