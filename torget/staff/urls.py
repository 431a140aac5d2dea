from django.urls import path

from torget.staff.views import citizen, inbox, log, manage, moderation, replies, report, targets

app_name = "staff"

urlpatterns = [
    path("", inbox.inbox_page, name="inbox"),
    path("bulk", inbox.bulk, name="bulk"),
    path("filters", inbox.save_filter, name="save_filter"),
    path("filters/<int:pk>/delete", inbox.delete_filter, name="delete_filter"),
    path("report/<int:pk>", report.report_page, name="report"),
    path("report/<int:pk>/assign", report.assign, name="assign"),
    path("report/<int:pk>/priority", report.priority, name="priority"),
    path("report/<int:pk>/note", report.note, name="note"),
    path("report/<int:pk>/answer", report.answer, name="answer"),
    path("report/<int:pk>/category", report.category, name="category"),
    path("report/<int:pk>/duplicate", moderation.duplicate, name="duplicate"),
    path("report/<int:pk>/move", moderation.move, name="move"),
    path("report/<int:pk>/edit", moderation.edit, name="edit_report"),
    path("report/<int:pk>/hide", moderation.hide, name="hide"),
    path("reply/<int:pk>", replies.review, name="review_reply"),
    path("body/<slug:slug>/targets", targets.targets_page, name="targets"),
    path("body/<slug:slug>/new-report", citizen.file_for_citizen, name="file_for_citizen"),
    path("body/<slug:slug>/templates", manage.templates, name="templates"),
    path("body/<slug:slug>/templates/new", manage.edit_template, name="new_template"),
    path("body/<slug:slug>/templates/<int:pk>", manage.edit_template, name="edit_template"),
    path(
        "body/<slug:slug>/templates/<int:pk>/delete",
        manage.delete_template,
        name="delete_template",
    ),
    path("body/<slug:slug>/priorities", manage.priorities, name="priorities"),
    path("body/<slug:slug>/priorities/new", manage.edit_priority, name="new_priority"),
    path("body/<slug:slug>/priorities/<int:pk>", manage.edit_priority, name="edit_priority"),
    path(
        "body/<slug:slug>/priorities/<int:pk>/delete",
        manage.delete_priority,
        name="delete_priority",
    ),
    path("body/<slug:slug>/log", log.body_log, name="body_log"),
    path("log", log.all_log, name="log"),
    path("body/<slug:slug>/settings", replies.settings_page, name="settings"),
]
