"""People: a user is an e-mail address, and may act for one or more bodies as staff."""

import datetime
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        if not email:
            raise ValueError("A user needs an e-mail address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email__iexact=username or "")


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mail address"), unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("language"),
        max_length=2,
        blank=True,
        help_text=_("Preferred language for e-mail: nb, nn or en."),
    )
    email_verified = models.BooleanField(_("e-mail verified"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("site administrator"),
        default=False,
        help_text=_("May use the admin site. Staff of a body are set by memberships instead."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name or self.email.split("@")[0]


class Role(models.TextChoices):
    HANDLER = "handler", _("Case handler")
    MODERATOR = "moderator", _("Moderator")
    MANAGER = "manager", _("Manager")


class Membership(models.Model):
    """A user acting for a body. One row per body, so a person can serve several bodies."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    body = models.ForeignKey("places.Body", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.HANDLER)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "body"], name="membership_once_per_body")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.body} ({self.get_role_display()})"


class SignInMethod(models.TextChoices):
    PASSWORD = "password", _("Password")
    LINK = "link", _("Link by e-mail")


class SignIn(models.Model):
    """A time the person logged in, and how: shown to them in their data, so they can see a
    login they did not make. Removed after TORGET_KEEP_SIGN_INS_DAYS."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sign_ins")
    at = models.DateTimeField(_("time"), default=timezone.now)
    method = models.CharField(_("method"), max_length=10, choices=SignInMethod.choices)

    class Meta:
        verbose_name = _("sign-in")
        verbose_name_plural = _("sign-ins")
        indexes = [
            # Retention: "sign-ins older than N days".
            models.Index(fields=["at"], name="sign_in_at"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} at {self.at:%Y-%m-%d %H:%M}"


class DataExportQuerySet(models.QuerySet["DataExport"]):
    def done_with(self, now: datetime.datetime) -> "DataExportQuerySet":
        """Downloaded, or whose link has run out: the file is to go."""
        return self.filter(models.Q(downloaded__isnull=False) | models.Q(expires__lt=now))


class DataExport(models.Model):
    """A person's request for their data: the worker writes the ZIP into the private storage
    (never under MEDIA_ROOT, which the web server may serve) and e-mails a link to it, which
    works once and until `expires`. The file and the row go once it is downloaded or expired."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="data_exports")
    requested = models.DateTimeField(_("requested"), default=timezone.now)
    ready = models.DateTimeField(_("ready"), null=True, blank=True)
    expires = models.DateTimeField(_("link expires"), null=True, blank=True)
    downloaded = models.DateTimeField(_("downloaded"), null=True, blank=True)
    # The file's name in storages["private"]; random, so it cannot be guessed.
    file = models.CharField(max_length=200, blank=True)

    objects = DataExportQuerySet.as_manager()

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")

    def __str__(self) -> str:
        return f"Export {self.pk} for {self.user_id}"

    @property
    def waiting(self) -> bool:
        return self.ready is None
