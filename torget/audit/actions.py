"""The one way in: `record(...)`, called by each app's actions in the transaction of the
change it records, so a change that is rolled back leaves no entry and a change that is
committed always has one."""

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models
from django.http import HttpRequest

from torget.audit.models import Action, Entry
from torget.lib.ratelimit import client_address

log = logging.getLogger("torget.audit")


def record(
    *,
    action: Action,
    actor: models.Model | None,
    target: models.Model | None = None,
    body: models.Model | None = None,
    bodies: Iterable[models.Model] = (),
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
    who: str = "",
) -> list[Entry]:
    """One entry for the body the action was taken for, or one for each of `bodies` (a
    person's sign-in is read by the managers of each body they serve), or one for no body
    (read by superusers only). `actor` is the account that acted; `who` names someone with
    no account (the address typed into a failed sign-in)."""
    every_body = [body] if body is not None else list(bodies)
    shared = {
        "action": action,
        "actor_id": actor.pk if actor is not None else None,
        "actor": (getattr(actor, "email", "") or str(actor)) if actor is not None else who[:320],
        "target_type": target._meta.label_lower if target is not None else "",
        "target_id": str(target.pk) if target is not None else "",
        "target": str(target)[:300] if target is not None else "",
        "before": plain(before or {}),
        "after": plain(after or {}),
        "address": client_address(request) or None if request is not None else None,
    }
    entries = [Entry(body_id=b.pk, body=str(b)[:200], **shared) for b in every_body] or [
        Entry(**shared)
    ]
    Entry.objects.bulk_create(entries)
    log.info(
        "%s by %s on %s %s",
        action,
        shared["actor"] or "-",
        shared["target_type"],
        shared["target_id"],
    )
    return entries


def plain(values: Mapping[str, Any]) -> dict[str, Any]:
    """The values as JSON can hold them: a row becomes its id and how it reads."""
    return {str(key): plain_value(value) for key, value in values.items()}


def plain_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return {"id": value.pk, "name": str(value)}
    if isinstance(value, Mapping):
        return plain(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [plain_value(item) for item in value]
    return str(value)
