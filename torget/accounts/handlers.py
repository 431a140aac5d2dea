"""What the apps above accounts hold about a person, for the person's own rights.

accounts owns the account, and answers a person who asks for their data or to be erased;
but the reports, updates, supports and alerts that carry the person are other apps' rows,
in apps accounts may not import. Each such app registers, in its AppConfig.ready():

- `export`: its parts of a person's data, as JSON-ready records and the files that go with
  them (a report's photos);
- `erase`: removing every link from its rows to the person, through its own actions, in
  the transaction of the erasure;
- `referenced`: the ids of the accounts its rows point at (`values()` queries), so that an
  account whose address nobody proved is removed only once nothing points at it.

Each takes a `Scope`: all of the person's data, or (for a staff request, which is answered
by one body) only what lies within that body's reports. The lists are plain data, read by
tests/test_layers.py and the privacy tests.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.core.files.storage import Storage
    from django.db.models import QuerySet

    from torget.accounts.models import User


@dataclass(frozen=True)
class Scope:
    """All of a person's data (body_id None), or only what lies within one body's reports."""

    body_id: int | None = None

    @property
    def everything(self) -> bool:
        return self.body_id is None


EVERYTHING = Scope()


@dataclass
class ExportPart:
    """One app's part of an export: `records` become <name>.json in the ZIP, and each file
    (its name in the ZIP, the storage it is in, its name there) is copied in beside it."""

    name: str
    records: list[dict[str, Any]]
    files: list[tuple[str, "Storage", str]] = field(default_factory=list)


@dataclass
class Handlers:
    export: list[Callable[["User", Scope], list[ExportPart]]] = field(default_factory=list)
    # Returns how many rows it changed or removed, for the staff's confirmation and the log.
    erase: list[Callable[["User", Scope], int]] = field(default_factory=list)
    referenced: list[Callable[[], list["QuerySet[Any, Any]"]]] = field(default_factory=list)


handlers = Handlers()


def register[T](hook: list[T], handler: T) -> None:
    """Add a handler once; ready() may run more than once in tests."""
    if handler not in hook:
        hook.append(handler)
