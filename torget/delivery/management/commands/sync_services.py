from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from torget.delivery.open311_client import Endpoint, Open311Error
from torget.delivery.services import ServicePlan, apply_sync, fetch_services, plan_sync
from torget.places.models import Body


class Command(BaseCommand):
    help = (
        "Sync a body's categories from its Open311 server's service list (GET services): "
        "each service becomes a category with an Open311 contact for its service code, and "
        "a category whose service is gone is deactivated. Without --commit it only reports "
        "what it would change."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("body", metavar="BODY_SLUG", help="the body, by its slug")
        parser.add_argument(
            "--endpoint", required=True, help="the GeoReport v2 base URL, ending in /"
        )
        parser.add_argument("--jurisdiction", default="", help="jurisdiction_id, if needed")
        parser.add_argument("--api-key", default="", help="the API key for posting reports")
        parser.add_argument("--format", choices=["xml", "json"], default="xml", help="default: xml")
        parser.add_argument("--commit", action="store_true", help="write the changes")

    def handle(self, *args: Any, **options: Any) -> None:
        body = Body.objects.filter(slug=options["body"]).first()
        if body is None:
            raise CommandError(f"No body has the slug {options['body']!r}.")
        endpoint = Endpoint(
            options["endpoint"],
            api_key=options["api_key"],
            jurisdiction=options["jurisdiction"],
            format=options["format"],
        )
        try:
            services = fetch_services(endpoint)
        except Open311Error as error:
            raise CommandError(f"Could not read the service list: {error}") from error
        plan = plan_sync(body, endpoint, services)
        # Described before saving: saving renames the categories.
        for line in describe(plan):
            self.stdout.write(line)
        if options["commit"]:
            apply_sync(plan)
        self.report(plan, committed=options["commit"])

    def report(self, plan: ServicePlan, *, committed: bool) -> None:
        counts = (
            f"{len(plan.new)} new, {len(plan.changed)} changed, {len(plan.unchanged)} "
            f"unchanged, {len(plan.withdrawn)} withdrawn"
        )
        self.stdout.write(f"{counts}: saved." if committed else f"{counts}.")
        if not committed:
            self.stdout.write(self.style.NOTICE("Dry run: nothing written. Add --commit to save."))


def describe(plan: ServicePlan) -> list[str]:
    lines = [f"+ {service.code}: {service.name} (new)" for service in plan.new]
    lines += [f"~ {s.code}: {c.name_nb} → {s.name}" for c, s in plan.changed]
    lines += [f"- {c.name_nb}: no longer offered, deactivated" for c in plan.withdrawn]
    offered = plan.new + [service for _category, service in plan.changed]
    lines += [
        f"! {s.code}: the server asks for extra fields (metadata); it may refuse reports"
        for s in offered
        if s.wants_attributes
    ]
    return lines
