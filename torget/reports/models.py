"""Reports of local problems, their timeline of updates, photos and supports.

A report's state moves only through the methods at the bottom of `Report`; each checks that
the move is allowed, stamps the matching timestamp and saves just the fields it touched.
Creating the matching timeline Update is the job of `reports/actions.py`.
"""

import datetime
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import ExpressionWrapper, F
from django.db.models.functions import Sqrt
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from torget.lib import geo
from torget.places.models import Body

if TYPE_CHECKING:
    from torget.accounts.models import User


class InvalidTransition(Exception):
    """A state change that the report's lifecycle does not allow."""


class ReporterErased(Exception):
    """The report's reporter erased their account; there is nobody to write to."""


class State(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("Unconfirmed")
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    INVESTIGATING = "investigating", _("Investigating")
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    FIXED = "fixed", _("Fixed")
    NOT_RESPONSIBLE = "not_responsible", _("Not our responsibility")
    DUPLICATE = "duplicate", _("Duplicate")
    NO_FURTHER_ACTION = "no_further_action", _("No further action")
    CLOSED = "closed", _("Closed")


OPEN_STATES = frozenset(
    {State.OPEN, State.ACKNOWLEDGED, State.INVESTIGATING, State.PLANNED, State.IN_PROGRESS}
)
FIXED_STATES = frozenset({State.FIXED})
CLOSED_STATES = frozenset(
    {State.NOT_RESPONSIBLE, State.DUPLICATE, State.NO_FURTHER_ACTION, State.CLOSED}
)
PUBLIC_STATES = OPEN_STATES | FIXED_STATES | CLOSED_STATES
STATE_GROUPS = {"open": OPEN_STATES, "fixed": FIXED_STATES, "closed": CLOSED_STATES}


def state_group(state: str) -> str:
    """'unconfirmed', 'open', 'fixed' or 'closed': the groups of the lifecycle."""
    if state in OPEN_STATES:
        return "open"
    if state in FIXED_STATES:
        return "fixed"
    if state in CLOSED_STATES:
        return "closed"
    return "unconfirmed"


class CategoryQuerySet(models.QuerySet["Category"]):
    def offered_at(self, lat: float, lon: float) -> "CategoryQuerySet":
        """The active categories of the bodies whose areas contain the point."""
        return self.filter(body__in=Body.objects.covering(lat, lon), active=True)


class Category(models.Model):
    """A kind of problem one body handles, named in the three languages Torget speaks."""

    body = models.ForeignKey("places.Body", on_delete=models.CASCADE, related_name="categories")
    slug = models.SlugField(_("slug"), max_length=100)
    name_nb = models.CharField(_("name (bokmål)"), max_length=100)
    name_nn = models.CharField(_("name (nynorsk)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    group_nb = models.CharField(_("group (bokmål)"), max_length=100, blank=True)
    group_nn = models.CharField(_("group (nynorsk)"), max_length=100, blank=True)
    group_en = models.CharField(_("group (English)"), max_length=100, blank=True)
    urgent_notice_nb = models.TextField(
        _("urgent notice (bokmål)"),
        blank=True,
        help_text=_("Shown before the form, e.g. «Er det farlig? Ring 110.»"),
    )
    urgent_notice_nn = models.TextField(_("urgent notice (nynorsk)"), blank=True)
    urgent_notice_en = models.TextField(_("urgent notice (English)"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["body", "name_nb"]
        constraints = [
            models.UniqueConstraint(fields=["body", "slug"], name="category_slug_per_body")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.body})"

    @property
    def name(self) -> str:
        return self._translated("name")

    @property
    def group(self) -> str:
        return self._translated("group")

    @property
    def urgent_notice(self) -> str:
        return self._translated("urgent_notice")

    def _translated(self, field: str) -> str:
        return str(getattr(self, f"{field}_{current_language()}") or getattr(self, f"{field}_nb"))


def current_language() -> str:
    """nb, nn or en: the language of the request, or bokmål for any other."""
    language = (get_language() or "nb")[:2]
    return language if language in ("nb", "nn", "en") else "nb"


class Datatype(models.TextChoices):
    STRING = "string", _("Single line of text")
    NUMBER = "number", _("Number")
    DATETIME = "datetime", _("Date and time")
    TEXT = "text", _("Several lines of text")
    SINGLEVALUELIST = "singlevaluelist", _("One choice from a list")
    MULTIVALUELIST = "multivaluelist", _("Several choices from a list")


LIST_DATATYPES = frozenset({Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST})


class Question(models.Model):
    """An extra question a category asks (how deep is the pothole?), on the web form and as
    an attribute of its Open311 service definition. The answers are kept with the report
    under the question's `code`, and sent to the body with it.

    For the list datatypes, `values` is a list of {"key": ..., "name": ...}, each optionally
    with "name_nn" and "name_en"; the key is what is stored and sent."""

    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("category"),
    )
    code = models.CharField(
        _("code"),
        max_length=100,
        help_text=_("What is stored with the report and sent to the body as attribute[code]."),
    )
    label = models.CharField(_("question (bokmål)"), max_length=300)
    label_nn = models.CharField(_("question (nynorsk)"), max_length=300, blank=True)
    label_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    hint = models.CharField(_("hint (bokmål)"), max_length=300, blank=True)
    hint_nn = models.CharField(_("hint (nynorsk)"), max_length=300, blank=True)
    hint_en = models.CharField(_("hint (English)"), max_length=300, blank=True)
    datatype = models.CharField(
        _("kind of answer"), max_length=20, choices=Datatype.choices, default=Datatype.STRING
    )
    required = models.BooleanField(_("required"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    values = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_('For lists: [{"key": "1", "name": "Grunt", "name_en": "Shallow"}, ...].'),
    )
    updated = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("extra question")
        verbose_name_plural = _("extra questions")
        ordering = ["category", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="question_code_per_category")
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.label}"

    @property
    def text(self) -> str:
        """The question in the current language, bokmål where it has no translation."""
        return self._translated("label")

    @property
    def hint_text(self) -> str:
        return self._translated("hint")

    def _translated(self, field: str) -> str:
        language = current_language()
        suffix = "" if language == "nb" else f"_{language}"
        return str(getattr(self, f"{field}{suffix}") or getattr(self, field))

    def value_keys(self) -> list[str]:
        return [str(value.get("key", "")) for value in self.values if isinstance(value, dict)]

    def choices(self) -> list[tuple[str, str]]:
        """(key, name in the current language) for each value of a list."""
        language = current_language()
        suffix = "" if language == "nb" else f"_{language}"
        return [
            (str(v.get("key", "")), str(v.get(f"name{suffix}") or v.get("name") or v.get("key")))
            for v in self.values
            if isinstance(v, dict)
        ]

    def shown(self, answer: object) -> str:
        """An answer as a person reads it: list keys by their names, several joined."""
        names = dict(self.choices())
        given = answer if isinstance(answer, list) else [answer]
        return ", ".join(names.get(str(value), str(value)) for value in given)


class ReportQuerySet(models.QuerySet["Report"]):
    def public(self) -> "ReportQuerySet":
        return self.exclude(state=State.UNCONFIRMED).filter(hidden=False)

    def in_group(self, group: str) -> "ReportQuerySet":
        """'open', 'fixed' or 'closed' (see state_group); anything else filters nothing."""
        states = STATE_GROUPS.get(group)
        return self.filter(state__in=states) if states else self

    def near(self, lat: float, lon: float, metres: float) -> "ReportQuerySet":
        """Reports within `metres` of the point, newest first, with `distance` in metres.

        The (lat, lon) index finds the square around the circle; the exact distance filter
        then drops its corners. An integer grid-cell column was tried as the first filter and
        measured no faster up to 1M reports (docs/performance.md), so it was removed.
        """
        south, west, north, east = geo.bounding_box(lat, lon, metres)
        ky, kx = geo.metres_per_degree(lat)
        north_m = (F("lat") - lat) * ky
        east_m = (F("lon") - lon) * kx
        distance_sq = ExpressionWrapper(
            north_m * north_m + east_m * east_m, output_field=models.FloatField()
        )
        return (
            self.filter(lat__range=(south, north), lon__range=(west, east))
            .alias(distance_sq=distance_sq)
            .filter(distance_sq__lte=float(metres) ** 2)
            .annotate(distance=Sqrt(distance_sq))
            .order_by("-created", "-id")
        )


class Report(models.Model):
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    areas = models.ManyToManyField("places.Area", related_name="reports", blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="reports", verbose_name=_("category")
    )
    bodies = models.ManyToManyField("places.Body", related_name="reports", blank=True)
    title = models.CharField(_("title"), max_length=200)
    detail = models.TextField(_("details"), blank=True)
    # None once the reporter erased their account: the report stays, without them.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    # What the reporter gave with this report. It is used for this report (its delivery to
    # the body) and reaches the account only once the address is proven: anyone can type
    # anyone's address into the form.
    reporter_name = models.CharField(_("reporter's name"), max_length=200, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=40, blank=True)
    show_name = models.BooleanField(_("show my name publicly"), default=False)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.UNCONFIRMED
    )
    hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    # Staff of this body filed the report for a citizen who called or came to the desk; the
    # citizen's name and contact are the reporter's fields, never public.
    filed_by_body = models.ForeignKey(
        "places.Body",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("filed by the body"),
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("filed by"),
    )
    created = models.DateTimeField(_("created"), default=timezone.now)
    confirmed = models.DateTimeField(_("confirmed"), null=True, blank=True)
    acknowledged = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    fixed = models.DateTimeField(_("fixed"), null=True, blank=True)
    closed = models.DateTimeField(_("closed"), null=True, blank=True)
    # The body's first public answer, for "median time to first answer".
    answered = models.DateTimeField(_("first answered"), null=True, blank=True)
    # How many people said "I have this problem too" (Support rows), kept by
    # actions.add_support so that the staff inbox can sort by it through an index.
    supporters = models.PositiveIntegerField(_("supporters"), default=0)
    # When the report first reached one of its bodies (delivery records it through
    # actions.record_delivered); the questionnaire asks the reporter four weeks after.
    delivered = models.DateTimeField(_("first delivered"), null=True, blank=True)
    takedown_requested = models.DateTimeField(_("take-down requested"), null=True, blank=True)
    takedown_reason = models.TextField(_("reason for take-down"), blank=True)
    # The answers to the category's extra questions, by question code: a string, or a list
    # of keys for a question with several choices.
    answers = models.JSONField(_("answers to extra questions"), default=dict, blank=True)
    updated = models.DateTimeField(_("last changed"), auto_now=True)

    objects: ClassVar[ReportQuerySet] = ReportQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created", "-id"]
        indexes = [
            # near(): the range on lat is scanned, lon is checked inside the index.
            models.Index(fields=["lat", "lon"], name="report_lat_lon"),
            # Public lists and feeds: "newest first within a state".
            models.Index(fields=["state", "-created"], name="report_state_created"),
            # The front page's live figures: "confirmed this week", "fixed this month".
            models.Index(fields=["confirmed"], name="report_confirmed"),
            models.Index(fields=["fixed"], name="report_fixed"),
            # Newest first across every public state: Open311's GET requests, 1000 at a time.
            models.Index(fields=["created", "id"], name="report_created_id"),
            # The staff inbox sorted by supporters, most first (read backwards).
            models.Index(fields=["supporters", "created", "id"], name="report_supporters"),
            # The staff inbox's "new, not answered yet": a small part of all reports, so a
            # count of them (joined to one body's) reads this index, not the whole table.
            models.Index(
                fields=["created", "id"],
                name="report_new",
                condition=models.Q(state=State.OPEN, answered__isnull=True, hidden=False),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reports:detail", args=[self.pk])

    @property
    def is_public(self) -> bool:
        return self.state != State.UNCONFIRMED and not self.hidden

    @property
    def group(self) -> str:
        return state_group(self.state)

    def answered_questions(self) -> list[tuple[str, str]]:
        """(question, answer) in the current language, in the category's order. An answer to
        a question since removed (or of the category before a change) shows under its code."""
        if not self.answers:
            return []
        questions = list(
            Question.objects.filter(category_id=self.category_id, code__in=self.answers)
        )
        asked = [(q.text, q.shown(self.answers[q.code])) for q in questions]
        known = {q.code for q in questions}
        others = [
            (code, ", ".join(map(str, answer)) if isinstance(answer, list) else str(answer))
            for code, answer in self.answers.items()
            if code not in known
        ]
        return asked + others

    def public_name(self) -> str:
        return self.name_for_body() if self.show_name else ""

    def name_for_body(self) -> str:
        """The name given with this report, else the (proven) account's."""
        return self.reporter_name or (self.reporter.name if self.reporter else "")

    def phone_for_body(self) -> str:
        return self.reporter_phone or (self.reporter.phone if self.reporter else "")

    def known_reporter(self) -> "User":
        """The reporter, on the paths that have one: a report is confirmed, and its
        questionnaires are sent, only while its reporter has an account."""
        if self.reporter is None:
            raise ReporterErased(f"Report {self.pk} has no reporter any more.")
        return self.reporter

    def email_for_body(self) -> str:
        return self.reporter.email if self.reporter else ""

    # The lifecycle. Each method is one legal move; anything else raises InvalidTransition.

    def confirm(self, at: datetime.datetime | None = None) -> None:
        if self.state != State.UNCONFIRMED:
            raise InvalidTransition(f"Report {self.pk} is already confirmed.")
        self.state = State.OPEN
        self.confirmed = at or timezone.now()
        self.save(update_fields=["state", "confirmed", "updated"])

    def mark_fixed(self, at: datetime.datetime | None = None) -> None:
        """Anyone may say an open report is fixed."""
        if self.state not in OPEN_STATES:
            raise InvalidTransition(f"Only an open report can be marked fixed, not {self.state}.")
        self.state = State.FIXED
        self.fixed = at or timezone.now()
        self.save(update_fields=["state", "fixed", "updated"])

    def reopen(self, by: "User") -> None:
        """The reporter may reopen a fixed or closed report."""
        if by.pk != self.reporter_id:
            raise InvalidTransition("Only the reporter can reopen a report.")
        if self.state not in FIXED_STATES | CLOSED_STATES:
            raise InvalidTransition(
                f"Only a fixed or closed report can be reopened, not {self.state}."
            )
        self.state = State.OPEN
        self.fixed = None
        self.closed = None
        self.duplicate_of = None
        self.save(update_fields=["state", "fixed", "closed", "duplicate_of", "updated"])

    def set_state_by_body(
        self,
        new_state: str,
        *,
        duplicate_of: "Report | None" = None,
        at: datetime.datetime | None = None,
    ) -> None:
        """Staff of a responsible body may move a public report to any public state."""
        if self.state == State.UNCONFIRMED:
            raise InvalidTransition("An unconfirmed report cannot be answered yet.")
        if new_state not in PUBLIC_STATES:
            raise InvalidTransition(f"{new_state!r} is not a state a body can set.")
        if (new_state == State.DUPLICATE) != (duplicate_of is not None):
            raise InvalidTransition("A duplicate, and only a duplicate, names its original.")
        if duplicate_of is not None and duplicate_of.pk == self.pk:
            raise InvalidTransition("A report cannot be a duplicate of itself.")
        now = at or timezone.now()
        self.state = new_state
        self.duplicate_of = duplicate_of
        if new_state in OPEN_STATES - {State.OPEN} and self.acknowledged is None:
            self.acknowledged = now
        self.fixed = now if new_state in FIXED_STATES else None
        self.closed = now if new_state in CLOSED_STATES else None
        self.save(
            update_fields=["state", "duplicate_of", "acknowledged", "fixed", "closed", "updated"]
        )


class UpdateQuerySet(models.QuerySet["Update"]):
    def public(self) -> "UpdateQuerySet":
        return self.filter(hidden=False, report__hidden=False).exclude(
            report__state=State.UNCONFIRMED
        )


class Update(models.Model):
    """One entry on a report's timeline: a citizen's comment, a body's answer, or news that
    came from the body's own system."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="report_updates",
        help_text=_("Empty for updates that came from the body's own system."),
    )
    body = models.ForeignKey(
        "places.Body",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="updates",
        help_text=_("Set when staff answer for a body; shown as the body's badge."),
    )
    text = models.TextField(_("text"), blank=True)
    new_state = models.CharField(_("new state"), max_length=20, choices=State.choices, blank=True)
    new_category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("new category"),
        help_text=_("Set when staff moved the report to this category."),
    )
    # On the original, when staff marked another report a duplicate of it.
    duplicate = models.ForeignKey(
        "Report",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("duplicate"),
    )
    # Staff moved the report's pin (where it was is kept for moderators: Moderation).
    moved = models.BooleanField(_("position moved"), default=False)
    show_name = models.BooleanField(_("show my name publicly"), default=False)
    hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    created = models.DateTimeField(_("created"), default=timezone.now)

    objects: ClassVar[UpdateQuerySet] = UpdateQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("update")
        verbose_name_plural = _("updates")
        ordering = ["created", "id"]
        indexes = [
            # Feeds and alerts: "updates since T".
            models.Index(fields=["created"], name="update_created"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.text[:40]}"


# Photo files live in PHOTO_FOLDER/YYYY/MM/, by the month they were written (reports/orphan_files.py
# sweeps the recent months).
PHOTO_FOLDER = "photos"


def photo_path(photo: "Photo", filename: str) -> str:
    return f"{PHOTO_FOLDER}/{timezone.now():%Y/%m}/{filename}"


class PhotoState(models.TextChoices):
    PENDING = "pending", _("being processed")
    READY = "ready", _("ready")
    FAILED = "failed", _("could not be used")


class PhotoQuerySet(models.QuerySet["Photo"]):
    def ready(self) -> "PhotoQuerySet":
        """The photos that may be shown and sent: made by the worker, without metadata."""
        return self.filter(state=PhotoState.READY)

    def pending(self) -> "PhotoQuerySet":
        return self.filter(state=PhotoState.PENDING)

    def not_failed(self) -> "PhotoQuerySet":
        """Ready, or on their way: a report's page shows a placeholder for the latter."""
        return self.exclude(state=PhotoState.FAILED)


class Photo(models.Model):
    """A photo of a report or an update. It is recorded `pending` with the report, its upload
    kept apart as received (PhotoUpload), and made `ready` by the worker (reports/photos.py),
    which writes the three sizes; only then are there files to show or send. A photo the
    worker cannot decode is `failed`, and never shown."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    update = models.ForeignKey(
        Update, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    state = models.CharField(
        _("state"), max_length=10, choices=PhotoState.choices, default=PhotoState.PENDING
    )
    # All three are re-encoded by lib/images.py, without EXIF or any other metadata; empty
    # until the photo is ready.
    image = models.ImageField(_("image"), upload_to=photo_path, blank=True)
    medium = models.ImageField(_("medium size"), upload_to=photo_path, blank=True)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=photo_path, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created = models.DateTimeField(default=timezone.now)
    # The worker's claim, as on deliveries and e-mails (reports/photos.py): how many times a
    # worker took the photo, until when the one that has it owns it, and until when its task
    # is waiting in the queue (the sweep leaves it alone until then).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    queued_until = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[PhotoQuerySet] = PhotoQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["position", "id"]
        indexes = [
            # The sweep: "pending photos whose task or worker was lost". Only the few pending
            # rows are in it.
            models.Index(
                fields=["queued_until"],
                condition=models.Q(state="pending"),
                name="photo_pending",
            ),
        ]

    def __str__(self) -> str:
        return self.image.name or f"{self.state} photo {self.pk}"

    @property
    def is_ready(self) -> bool:
        return self.state == PhotoState.READY


class PhotoUpload(models.Model):
    """The file as the citizen sent it, kept until the worker has made its photo ready, then
    deleted. It still carries its EXIF (GPS included), so it is never served: it is a row, not
    a file under the public media folder, written in the transaction of the report or update
    it came with (so a crash leaves neither) and readable by a worker on any machine. In a
    table of its own, so that no query for photos ever loads it."""

    photo = models.OneToOneField(
        Photo, primary_key=True, on_delete=models.CASCADE, related_name="upload"
    )
    data = models.BinaryField()

    class Meta:
        verbose_name = _("photo as uploaded")
        verbose_name_plural = _("photos as uploaded")

    def __str__(self) -> str:
        return f"upload of photo {self.photo_id}"


class Support(models.Model):
    """ "I have this problem too": one per person and report, instead of a duplicate report."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supports"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(fields=["report", "user"], name="support_once_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} supports {self.report_id}"


class ModerationKind(models.TextChoices):
    HIDDEN = "hidden", _("Hidden")
    SHOWN = "shown", _("Shown again")
    EDITED = "edited", _("Title or details edited")
    MOVED = "moved", _("Position moved")


class Moderation(models.Model):
    """What staff changed on a report for moderation, why, and what was there before, so
    that moderators can see (and restore) the original. Never shown publicly: the report
    page says only that a moderator edited the report."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="moderations")
    body = models.ForeignKey(
        "places.Body", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ModerationKind.choices)
    reason = models.TextField(_("reason"))
    old_title = models.CharField(_("title before"), max_length=200, blank=True)
    old_detail = models.TextField(_("details before"), blank=True)
    old_lat = models.FloatField(_("latitude before"), null=True, blank=True)
    old_lon = models.FloatField(_("longitude before"), null=True, blank=True)
    old_address = models.CharField(_("address before"), max_length=300, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("moderation")
        verbose_name_plural = _("moderations")
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.get_kind_display()}"


class HeldReplyState(models.TextChoices):
    WAITING = "waiting", _("Waiting for review")
    PUBLISHED = "published", _("Published")
    DISCARDED = "discarded", _("Discarded")


class HeldReply(models.Model):
    """A body's reply by e-mail, held back because the body reviews its e-mailed replies
    before they go public (`Body.review_email_replies`). Publishing it makes it the body's
    answer (`update`); until then nobody but the body's staff sees it."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="held_replies")
    body = models.ForeignKey("places.Body", on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("text"))
    received = models.DateTimeField(_("received"), default=timezone.now)
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=HeldReplyState.choices,
        default=HeldReplyState.WAITING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided = models.DateTimeField(_("decided"), null=True, blank=True)
    update = models.ForeignKey(
        Update, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("reply waiting for review")
        verbose_name_plural = _("replies waiting for review")
        ordering = ["received", "id"]
        indexes = [
            # The staff inbox's "replies waiting for review": only waiting rows are read.
            models.Index(
                fields=["body", "report"],
                name="held_reply_waiting",
                condition=models.Q(state="waiting"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.text[:40]}"
