"""How near its target a report is, for the inbox's rows and the staff view."""

from django import template
from django.utils import timezone

from torget.staff import targets
from torget.staff.models import Handling

register = template.Library()


@register.filter
def due_state(handling: Handling | None) -> str:
    return targets.due_state(handling, timezone.now()) if handling is not None else ""
