"""A person's data as a ZIP: JSON files and the photos, put together from every app's part.

accounts writes the account's own part (the account, staff memberships, sign-ins, the
e-mails Torget keeps in its outbox for the address) and asks each app above it for its part
through the handlers they registered (accounts/handlers.py). The same ZIP answers a staff
request, limited to one body's reports by the scope.
"""

import datetime
import json
import secrets
import zipfile
from collections.abc import Iterable
from tempfile import SpooledTemporaryFile
from typing import IO, Any

from django.core.files import File
from django.core.files.storage import Storage, storages
from django.utils import timezone

from torget.accounts.handlers import EVERYTHING, ExportPart, Scope, handlers
from torget.accounts.models import DataExport, SignIn, User
from torget.mail.models import Email

FOLDER = "exports"
# Kept in memory up to this size, then in a temporary file.
SPOOL_BYTES = 8 * 1024 * 1024


def private_storage() -> Storage:
    """Where exports are kept: never MEDIA_ROOT, which a web server may serve to anyone."""
    return storages["private"]


def parts(user: User, scope: Scope) -> list[ExportPart]:
    return [
        account_part(user, scope),
        *(part for ex in handlers.export for part in ex(user, scope)),
    ]


def account_part(user: User, scope: Scope) -> ExportPart:
    """The account itself. For a body's staff request only the address, which is what the
    request is about: the rest of the account is not the body's to see."""
    if not scope.everything:
        return ExportPart("account", [{"email": user.email}])
    account = {
        "email": user.email,
        "name": user.name,
        "phone": user.phone,
        "language": user.language,
        "email_verified": user.email_verified,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "has_password": user.has_usable_password(),
        "staff_of": [
            {"body": m.body.name, "role": m.role}
            for m in user.memberships.select_related("body").order_by("pk")
        ],
        "sign_ins": [
            {"at": at, "method": method}
            for at, method in SignIn.objects.filter(user=user)
            .order_by("at")
            .values_list("at", "method")
        ],
        # What the outbox still holds for the address (sent e-mails are forgotten after
        # TORGET_MAIL_KEEP_DAYS); the texts are left out, as they hold one-time links.
        "emails": [
            {"subject": subject, "created": created, "sent": sent, "state": state}
            for subject, created, sent, state in Email.objects.filter(to__iexact=user.email)
            .order_by("created")
            .values_list("subject", "created", "sent", "state")
        ],
    }
    return ExportPart("account", [account])


def write_zip(user: User, target: IO[bytes], scope: Scope = EVERYTHING) -> None:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme(user, scope))
        for part in parts(user, scope):
            archive.writestr(f"{part.name}.json", as_json(part.records))
            copy_files(archive, part.files)


def copy_files(archive: zipfile.ZipFile, files: Iterable[tuple[str, Storage, str]]) -> None:
    for name_in_zip, storage, name in files:
        try:
            with storage.open(name, "rb") as source, archive.open(name_in_zip, "w") as copy:
                for chunk in iter(lambda: source.read(64 * 1024), b""):
                    copy.write(chunk)
        except FileNotFoundError:
            continue  # a photo whose file went missing is in the JSON still


def readme(user: User, scope: Scope) -> str:
    made = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    within = "" if scope.everything else f" (only within body {scope.body_id}'s reports)"
    return (
        f"Torget: the data held about {user.email}{within}, as of {made}.\n"
        "Each .json file is a list of records; times are ISO 8601 with their time zone.\n"
        "photos/ holds the photos of the reports and updates listed.\n"
    )


def as_json(records: list[dict[str, Any]]) -> str:
    return json.dumps(records, indent=2, ensure_ascii=False, default=json_value)


def json_value(value: object) -> str:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


def save_export_file(export: DataExport) -> str:
    """Writes the ZIP into the private storage and returns its name there."""
    name = f"{FOLDER}/{secrets.token_urlsafe(24)}.zip"
    with SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        write_zip(export.user, spool)
        spool.seek(0)
        return private_storage().save(name, File(spool, name=name))


def delete_file(name: str) -> None:
    if name:
        private_storage().delete(name)


def filename(user: User, when: datetime.datetime | None = None) -> str:
    day = timezone.localtime(when or timezone.now()).date().isoformat()
    return f"torget-{day}.zip"
