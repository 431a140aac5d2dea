"""Changes made in Django's admin, recorded with the values before and after.

The admin saves rows through ModelAdmin, inlines and bulk actions of every app; rather than
each admin class remembering to record, the middleware marks a request to the admin, and
while it runs every row saved or deleted is recorded (pre_save reads the row as it was). Out
of the admin the receivers return at once: the app's own actions record what staff do, with
the words of the action, and citizens' writes are not copied into the log at all.

Changes made by a queryset's update() in an admin action are not seen here; the admin's own
actions in Torget that do so (sending e-mails again) change no one's data.
"""

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from torget.audit.actions import record
from torget.audit.models import Action

# The request being served by the admin, while it is.
in_admin: ContextVar[HttpRequest | None] = ContextVar("audit_in_admin", default=None)
# Rows as they were before this request saved them: (label, pk) -> field values.
before_save: ContextVar[dict[tuple[str, Any], dict[str, Any]] | None] = ContextVar(
    "audit_before_save", default=None
)

# Rows saved as a side effect of others, or that are logs themselves.
SKIPPED_APPS = {"admin", "audit", "sessions", "contenttypes", "django_tasks_db", "otp_static"}
# What no one should read back from the log: only that it changed.
MASKED = {"password", "key", "secret", "token"}
# Saved by signing in, not by anyone's decision.
IGNORED_FIELDS = {
    "last_login",
    "updated",
    "throttling_failure_count",
    "throttling_failure_timestamp",
    "last_used_at",
    "last_t",
}
ROLE_MODELS = {"accounts.membership"}
ROLE_FIELDS = {"is_superuser", "is_staff", "is_active", "groups", "user_permissions"}


class AdminChangesMiddleware:
    """Marks the requests that Django's admin serves (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(reverse("admin:index")):
            return self.get_response(request)
        admin_token = in_admin.set(request)
        saved_token = before_save.set({})
        try:
            return self.get_response(request)
        finally:
            in_admin.reset(admin_token)
            before_save.reset(saved_token)


def connect() -> None:
    pre_save.connect(remember_row, dispatch_uid="audit_admin_pre_save")
    post_save.connect(row_saved, dispatch_uid="audit_admin_post_save")
    post_delete.connect(row_deleted, dispatch_uid="audit_admin_post_delete")
    m2m_changed.connect(links_changed, dispatch_uid="audit_admin_m2m")


def watched(sender: type[models.Model]) -> bool:
    meta = sender._meta
    return not (meta.app_label in SKIPPED_APPS or (meta.object_name or "").startswith("Historical"))


def values_of(instance: models.Model) -> dict[str, Any]:
    return {
        field.name: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.name not in IGNORED_FIELDS
    }


def remember_row(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    rows = before_save.get()
    if rows is None or in_admin.get() is None or not watched(sender) or instance.pk is None:
        return
    old = sender._default_manager.filter(pk=instance.pk).first()
    if old is not None:
        rows[(sender._meta.label_lower, instance.pk)] = values_of(old)


def row_saved(
    sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any
) -> None:
    request, rows = in_admin.get(), before_save.get()
    if request is None or rows is None or not watched(sender):
        return
    old = rows.pop((sender._meta.label_lower, instance.pk), {})
    new = values_of(instance)
    changed = [name for name in new if created or old.get(name) != new[name]]
    if not changed:
        return
    before = {name: shown(name, old.get(name)) for name in changed if not created}
    after = {name: shown(name, new[name]) for name in changed}
    write(request, instance, "added" if created else "changed", before, after, set(changed))


def row_deleted(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    request = in_admin.get()
    if request is None or not watched(sender):
        return
    old = values_of(instance)
    before = {name: shown(name, value) for name, value in old.items()}
    write(request, instance, "deleted", before, {}, set(old))


def links_changed(
    sender: type[models.Model],
    instance: models.Model,
    action: str,
    pk_set: set[Any] | None,
    **kwargs: Any,
) -> None:
    request = in_admin.get()
    if request is None or action not in {"post_add", "post_remove", "post_clear"}:
        return
    if not watched(type(instance)):
        return
    field = next(
        (f.name for f in instance._meta.many_to_many if f.remote_field.through is sender),
        sender._meta.model_name or "",
    )
    change = {"post_add": "added", "post_remove": "removed", "post_clear": "cleared"}[action]
    after = {field: {change: sorted(str(pk) for pk in pk_set or ())}}
    write(request, instance, "changed", {}, after, {field})


def shown(name: str, value: Any) -> Any:
    return "(changed)" if any(word in name for word in MASKED) and value else value


def write(
    request: HttpRequest,
    instance: models.Model,
    change: str,
    before: dict[str, Any],
    after: dict[str, Any],
    fields: set[str],
) -> None:
    label = instance._meta.label_lower
    is_role = label in ROLE_MODELS or (label == "accounts.user" and fields & ROLE_FIELDS)
    body = getattr(instance, "body", None) if _has_body(instance) else None
    record(
        action=Action.ROLE if is_role else Action.ADMIN,
        actor=request.user if request.user.is_authenticated else None,
        target=instance,
        body=body,
        before=before,
        after={"change": change, **after},
        request=request,
    )


def _has_body(instance: models.Model) -> bool:
    try:
        field = instance._meta.get_field("body")
    except FieldDoesNotExist:
        return False
    return bool(field.is_relation and field.many_to_one)
