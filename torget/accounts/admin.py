from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from torget.accounts.models import Membership, User


class UserCreationForm(auth_forms.AdminUserCreationForm):
    """Django's admin form for a new user, with the e-mail address in place of a username.

    It keeps Django's choice of "no password": such a user logs in by e-mailed link only.
    """

    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self) -> str:
        # The manager stores addresses in lower case; the admin must not create a second
        # account that differs only in case.
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(_("A user with this e-mail address already exists."))
        return email


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class MembershipInline(admin.TabularInline[Membership, User]):
    model = Membership
    extra = 0
    autocomplete_fields = ["body"]


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = ["email", "name", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", "email_verified"]
    search_fields = ["email", "name"]
    ordering = ["email"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("name", "phone", "language", "email_verified")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )

    def get_inlines(self, request: HttpRequest, obj: User | None) -> list[type[InlineModelAdmin]]:
        # Like Django's own add form, the first step asks only for the address and password;
        # memberships are added on the change page that follows.
        return [] if obj is None else [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["user", "body", "role", "created"]
    list_filter = ["role", "body"]
    search_fields = ["user__email", "user__name", "body__name"]
    autocomplete_fields = ["user", "body"]
    list_select_related = ["user", "body"]
