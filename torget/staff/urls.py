from django.urls import path

from torget.staff.views import inbox, report, targets

app_name = "staff"

urlpatterns = [
    path("", inbox.inbox_page, name="inbox"),
    path("report/<int:pk>", report.report_page, name="report"),
    path("report/<int:pk>/assign", report.assign, name="assign"),
    path("report/<int:pk>/priority", report.priority, name="priority"),
    path("report/<int:pk>/note", report.note, name="note"),
    path("report/<int:pk>/answer", report.answer, name="answer"),
    path("report/<int:pk>/category", report.category, name="category"),
    path("body/<slug:slug>/targets", targets.targets_page, name="targets"),
]
