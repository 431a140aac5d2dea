"""A body's categories from its Open311 server's service list (`torget sync-services`).

Each service becomes a Category of the body with an Open311 Contact for its service code.
A category already synced from the same endpoint is matched by its service code; otherwise a
category of the body with the same name is taken over, so a body that moves from e-mail to
Open311 keeps its categories and their reports. Names come in the body's language only: the
nynorsk and English names follow the bokmål one until someone translates them, and are left
alone after that. A service that is gone from the list deactivates its category, so no report
is made that the server would refuse; the category and its reports stay. The categories are
written by reports' actions (`category_for_service`, `withdraw_categories`); the contacts are
delivery's own.
"""

from dataclasses import dataclass, field

from django.db import transaction

from torget.delivery.models import Contact, SendMethod
from torget.delivery.open311_client import Endpoint, Open311Client, flag, text
from torget.places.models import Body
from torget.reports import actions as reports
from torget.reports.models import Category

NAME_LENGTH = 100
CONTACT_FIELDS = ("send_method", "endpoint", "service_code", "api_key", "jurisdiction")


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    group: str
    # metadata=true: the server wants attributes Torget does not ask for, and may refuse
    # reports without them.
    wants_attributes: bool = False


@dataclass
class ServicePlan:
    body: Body
    endpoint: Endpoint
    new: list[Service] = field(default_factory=list)
    changed: list[tuple[Category, Service]] = field(default_factory=list)
    unchanged: list[Category] = field(default_factory=list)
    withdrawn: list[Category] = field(default_factory=list)


def fetch_services(endpoint: Endpoint) -> list[Service]:
    services = []
    for item in Open311Client(endpoint).services():
        code = text(item, "service_code")
        if code:
            name = text(item, "service_name") or code
            group = text(item, "group")[:NAME_LENGTH]
            services.append(Service(code, name[:NAME_LENGTH], group, flag(item, "metadata")))
    return services


def plan_sync(body: Body, endpoint: Endpoint, services: list[Service]) -> ServicePlan:
    categories = list(Category.objects.filter(body=body).select_related("contact"))
    synced = {c.contact.service_code: c for c in categories if synced_from(c, endpoint)}
    by_name = {c.name_nb.lower(): c for c in categories if not synced_from(c, endpoint)}
    plan = ServicePlan(body, endpoint)
    for service in services:
        category = synced.pop(service.code, None) or by_name.pop(service.name.lower(), None)
        if category is None:
            plan.new.append(service)
        elif needs_change(category, service, endpoint):
            plan.changed.append((category, service))
        else:
            plan.unchanged.append(category)
    plan.withdrawn = [c for c in synced.values() if c.active]
    return plan


def synced_from(category: Category, endpoint: Endpoint) -> bool:
    contact = contact_of(category)
    return (
        contact is not None
        and contact.send_method == SendMethod.OPEN311
        and contact.endpoint == endpoint.url
    )


def contact_of(category: Category) -> Contact | None:
    try:
        return category.contact
    except Contact.DoesNotExist:
        return None


def needs_change(category: Category, service: Service, endpoint: Endpoint) -> bool:
    contact = contact_of(category)
    return (
        not category.active
        or (category.name_nb, category.group_nb) != (service.name, service.group)
        or contact is None
        or contact_values(contact) != wanted_contact(service, endpoint)
    )


def contact_values(contact: Contact) -> dict[str, str]:
    return {name: getattr(contact, name) for name in CONTACT_FIELDS}


def wanted_contact(service: Service, endpoint: Endpoint) -> dict[str, str]:
    return {
        "send_method": SendMethod.OPEN311,
        "endpoint": endpoint.url,
        "service_code": service.code,
        "api_key": endpoint.api_key,
        "jurisdiction": endpoint.jurisdiction,
    }


@transaction.atomic
def apply_sync(plan: ServicePlan) -> None:
    """The categories are reports' (its actions name, make and withdraw them); each one's
    Open311 contact is delivery's."""
    pairs: list[tuple[Category | None, Service]] = [(None, service) for service in plan.new]
    for category, service in pairs + list(plan.changed):
        named = reports.category_for_service(
            body=plan.body,
            category=category,
            code=service.code,
            name=service.name,
            group=service.group,
        )
        save_contact(named, service, plan)
    reports.withdraw_categories(categories=plan.withdrawn)


def save_contact(category: Category, service: Service, plan: ServicePlan) -> None:
    # One save() per contact, not an UPDATE, so the contact's history records the change.
    contact = contact_of(category) or Contact(category=category, language=plan.body.language)
    for name, value in wanted_contact(service, plan.endpoint).items():
        setattr(contact, name, value)
    contact.save()
