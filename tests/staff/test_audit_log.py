"""The audit log: each staff action leaves one entry saying who, when, what, on which object,
for which body, and the values before and after; managers read their own body's entries
and no other's; superusers read all; nobody changes or deletes an entry through Torget."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from torget.accounts import actions as account_actions
from torget.accounts.models import Membership, Role
from torget.audit import retention
from torget.audit.models import Action, Entry
from torget.reports import actions as report_actions
from torget.reports.models import State
from torget.staff import actions as staff_actions
from torget.staff import targets
from torget.staff.models import Priority, ResponseTemplate

from .conftest import PASSWORD, member

pytestmark = pytest.mark.django_db


def only_entry(**filters) -> Entry:
    entries = list(Entry.objects.filter(**filters))
    assert len(entries) == 1, entries
    return entries[0]


# One entry for each action.


def test_an_answer_is_logged_with_its_text(handler, public_report, kongsvinger):
    report_actions.answer_as_body(
        report=public_report, staff=handler, body=kongsvinger, text="Vi ser på det."
    )
    entry = only_entry(action=Action.ANSWER)
    assert (entry.actor_id, entry.actor) == (handler.pk, handler.email)
    assert (entry.body_id, entry.target_type) == (kongsvinger.pk, "reports.report")
    assert entry.target_id == str(public_report.pk)
    assert entry.after == {"text": "Vi ser på det."}


def test_a_state_change_is_logged_with_the_state_before_and_after(
    handler, public_report, kongsvinger
):
    report_actions.answer_as_body(
        report=public_report,
        staff=handler,
        body=kongsvinger,
        text="Fikset.",
        new_state=State.FIXED,
    )
    entry = only_entry(action=Action.STATE)
    assert entry.before == {"state": "open"}
    assert entry.after == {"state": "fixed", "text": "Fikset."}
    assert not Entry.objects.filter(action=Action.ANSWER).exists()


def test_an_assignment_through_the_staff_view_is_logged(
    staff_client, handler, colleague, public_report, kongsvinger
):
    staff_client.force_login(handler)
    url = reverse("staff:assign", args=[public_report.pk])
    assert staff_client.post(url, {"assign-assignee": colleague.pk}).status_code == 302
    entry = only_entry(action=Action.ASSIGN)
    assert entry.before == {"assignee": None}
    assert entry.after == {"assignee": {"id": colleague.pk, "name": "Kai Kollega"}}
    assert (entry.actor_id, entry.body_id) == (handler.pk, kongsvinger.pk)


def test_an_unchanged_assignment_is_not_logged(handler, public_report, kongsvinger):
    staff_actions.assign(report=public_report, body=kongsvinger, by=handler, assignee=None)
    assert not Entry.objects.exists()


def test_a_priority_is_logged(handler, public_report, kongsvinger):
    urgent = Priority.objects.create(body=kongsvinger, name="Haster")
    staff_actions.set_priority(report=public_report, body=kongsvinger, by=handler, priority=urgent)
    entry = only_entry(action=Action.PRIORITY)
    assert entry.after == {"priority": {"id": urgent.pk, "name": "Haster"}}


def test_an_internal_note_is_logged(handler, public_report, kongsvinger):
    staff_actions.add_note(report=public_report, body=kongsvinger, by=handler, text="Ring Kari.")
    assert only_entry(action=Action.NOTE).after == {"text": "Ring Kari."}


def test_a_category_change_is_logged_with_both_categories(
    handler, public_report, kongsvinger, streetlights, potholes
):
    staff_actions.move_to_category(
        report=public_report, body=kongsvinger, by=handler, category=potholes
    )
    entry = only_entry(action=Action.CATEGORY)
    assert entry.before == {
        "category": {"id": streetlights.pk, "name": "Gatelys (Kongsvinger kommune)"}
    }
    assert entry.after == {
        "category": {"id": potholes.pk, "name": "Hull i veien (Kongsvinger kommune)"}
    }


def test_a_change_of_targets_is_logged(manager, kongsvinger, streetlights):
    change = targets.TargetChange(category=None, days=targets.Days(3, 10))
    targets.set_targets(body=kongsvinger, changes=[change], by=manager)
    entry = only_entry(action=Action.TARGET)
    assert (entry.before, entry.after) == ({"all": [None, None]}, {"all": [3, 10]})
    assert entry.actor_id == manager.pk


def test_a_managers_change_to_a_response_template_is_logged(staff_client, manager, kongsvinger):
    template = ResponseTemplate.objects.create(body=kongsvinger, title="Mal", text_nb="Hei")
    staff_client.force_login(manager)
    url = reverse("staff:edit_template", args=[kongsvinger.slug, template.pk])
    data = {"title": "Mal", "text_nb": "Hei og takk", "active": "on"}
    assert staff_client.post(url, data).status_code == 302
    entry = only_entry(action=Action.TEMPLATE)
    assert (entry.before, entry.after) == ({"text_nb": "Hei"}, {"text_nb": "Hei og takk"})
    assert (entry.actor_id, entry.body_id) == (manager.pk, kongsvinger.pk)
    url = reverse("staff:delete_template", args=[kongsvinger.slug, template.pk])
    assert staff_client.post(url).status_code == 302
    assert Entry.objects.filter(action=Action.TEMPLATE, after={"change": "deleted"}).count() == 1


def test_a_managers_new_priority_is_logged(staff_client, manager, kongsvinger):
    staff_client.force_login(manager)
    url = reverse("staff:new_priority", args=[kongsvinger.slug])
    assert staff_client.post(url, {"name": "Snart", "position": 2}).status_code == 302
    entry = only_entry(action=Action.PRIORITY)
    assert entry.after == {"name": "Snart", "position": 2}
    assert entry.target == "Snart"


def test_moderation_in_the_admin_is_logged_with_the_flag_before_and_after(
    admin_client, admin_user, public_report
):
    url = reverse("admin:reports_report_change", args=[public_report.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("areas", "bodies")}
    data.update(
        {
            "hidden": "on",
            "updates-TOTAL_FORMS": 0,
            "updates-INITIAL_FORMS": 0,
            "created_0": timezone.localtime(public_report.created).strftime("%Y-%m-%d"),
            "created_1": timezone.localtime(public_report.created).strftime("%H:%M:%S"),
        }
    )
    data.pop("created", None)
    for name in ("confirmed", "acknowledged", "fixed", "closed", "answered", "delivered"):
        data.pop(name, None)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = only_entry(action=Action.ADMIN, target_type="reports.report")
    assert entry.before["hidden"] is False
    assert entry.after["hidden"] is True
    assert entry.after["change"] == "changed"
    assert entry.actor_id == admin_user.pk


def test_an_edit_in_the_admin_is_logged_and_a_deletion_keeps_what_was_deleted(
    admin_client, streetlights
):
    url = reverse("admin:reports_category_delete", args=[streetlights.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    entry = only_entry(action=Action.ADMIN, target_type="reports.category")
    assert entry.after == {"change": "deleted"}
    assert entry.before["name_nb"] == "Gatelys"
    assert entry.body_id == streetlights.body_id


def test_a_sign_in_is_logged_for_each_body_of_the_member(client, handler, kongsvinger, eidskog):
    Membership.objects.create(user=handler, body=eidskog, role=Role.HANDLER)
    response = client.post(
        reverse("accounts:login"), {"username": handler.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    entries = Entry.objects.filter(action=Action.SIGN_IN)
    assert {e.body_id for e in entries} == {kongsvinger.pk, eidskog.pk}
    assert {e.actor_id for e in entries} == {handler.pk}
    assert all(e.address == "127.0.0.1" for e in entries)


def test_a_citizens_sign_in_is_not_in_the_audit_log(client, citizen):
    client.post(
        reverse("accounts:login"), {"username": citizen.email, "password": "correct horse battery"}
    )
    assert not Entry.objects.exists()


def test_a_failed_sign_in_names_the_staff_member_tried(client, handler, kongsvinger):
    client.post(reverse("accounts:login"), {"username": handler.email, "password": "wrong"})
    entry = only_entry(action=Action.SIGN_IN_FAILED)
    assert (entry.actor_id, entry.actor, entry.body_id) == (None, handler.email, kongsvinger.pk)
    assert entry.address == "127.0.0.1"


def test_a_failed_sign_in_as_a_citizen_does_not_keep_the_address_typed(client, citizen):
    client.post(reverse("accounts:login"), {"username": citizen.email, "password": "wrong"})
    entry = only_entry(action=Action.SIGN_IN_FAILED)
    assert (entry.actor, entry.target, entry.body_id) == ("", "", None)


def test_a_role_change_in_the_admin_is_logged_for_the_body(
    admin_client, admin_user, handler, kongsvinger
):
    membership = Membership.objects.get(user=handler)
    url = reverse("admin:accounts_membership_change", args=[membership.pk])
    data = {"user": handler.pk, "body": kongsvinger.pk, "role": Role.MANAGER}
    assert admin_client.post(url, data).status_code == 302
    entry = only_entry(action=Action.ROLE)
    assert (entry.before, entry.after) == (
        {"role": "handler"},
        {"change": "changed", "role": "manager"},
    )
    assert (entry.body_id, entry.actor_id) == (kongsvinger.pk, admin_user.pk)


def test_a_role_set_by_the_action_is_logged(manager, colleague, kongsvinger):
    membership = Membership.objects.get(user=colleague)
    account_actions.set_role(user=colleague, body=kongsvinger, role=Role.MODERATOR, by=manager)
    account_actions.end_membership(membership=membership, by=manager)
    before, after = Entry.objects.filter(action=Action.ROLE).order_by("pk")
    assert (before.before, before.after["role"]) == ({"role": "handler"}, "moderator")
    assert (after.before["role"], after.after) == ("moderator", {"role": None})


def test_an_export_of_personal_data_is_logged(staff_client, manager, citizen, kongsvinger):
    staff_client.force_login(manager)
    response = staff_client.post(
        "/privacy/requests/export", {"email": citizen.email, "scope": kongsvinger.pk}
    )
    assert response.status_code == 200
    entry = only_entry(action=Action.EXPORT)
    assert entry.after == {"account": citizen.pk, "within": f"body {kongsvinger.pk}"}
    assert (entry.actor_id, entry.body_id) == (manager.pk, kongsvinger.pk)
    assert citizen.email not in str(entry.after)


def test_an_anonymisation_is_logged(staff_client, manager, citizen, public_report, kongsvinger):
    staff_client.force_login(manager)
    response = staff_client.post(
        "/privacy/requests/anonymise",
        {"email": citizen.email, "scope": kongsvinger.pk, "confirmed": "on"},
    )
    assert response.status_code == 200
    entry = only_entry(action=Action.ANONYMISE)
    assert entry.after["account"] == citizen.pk
    assert entry.body_id == kongsvinger.pk


def test_a_change_that_is_rolled_back_leaves_no_entry(handler, public_report, eidskog):
    with pytest.raises(report_actions.NotAllowed):
        report_actions.answer_as_body(report=public_report, staff=handler, body=eidskog, text="x")
    assert not Entry.objects.exists()


# Who reads the log.


@pytest.fixture
def entries(handler, eidskog_handler, public_report, kongsvinger, eidskog):
    staff_actions.add_note(report=public_report, body=kongsvinger, by=handler, text="Kongsvinger")
    Entry.objects.create(
        action=Action.NOTE,
        actor_id=eidskog_handler.pk,
        actor=eidskog_handler.email,
        body_id=eidskog.pk,
        body=str(eidskog),
        after={"text": "Eidskog-notat"},
    )


def test_a_manager_reads_their_bodys_log(staff_client, manager, entries, kongsvinger):
    staff_client.force_login(manager)
    response = staff_client.get(reverse("staff:body_log", args=[kongsvinger.slug]))
    assert response.status_code == 200
    assert "Kongsvinger" in response.text
    assert "Eidskog-notat" not in response.text


def test_a_manager_of_another_body_cannot_read_this_bodys_log(
    staff_client, django_user_model, eidskog, kongsvinger, entries
):
    theirs = member(django_user_model, eidskog, "elin@eidskog.example", "Elin Leder", Role.MANAGER)
    staff_client.force_login(theirs)
    assert staff_client.get(reverse("staff:body_log", args=[kongsvinger.slug])).status_code == 404
    own = staff_client.get(reverse("staff:body_log", args=[eidskog.slug]))
    assert "Eidskog-notat" in own.text
    assert [e.body_id for e in own.context["page"]] == [eidskog.pk]
    assert staff_client.get(reverse("staff:log")).status_code == 403


def test_a_handler_may_not_read_the_log(staff_client, handler, kongsvinger):
    staff_client.force_login(handler)
    assert staff_client.get(reverse("staff:body_log", args=[kongsvinger.slug])).status_code == 403


def test_a_superuser_reads_every_entry(staff_client, admin_user, entries, kongsvinger, eidskog):
    staff_client.force_login(admin_user)
    response = staff_client.get(reverse("staff:log"))
    assert response.status_code == 200
    assert {e.body_id for e in response.context["page"]} == {kongsvinger.pk, eidskog.pk}
    only_eidskog = staff_client.get(reverse("staff:log"), {"body": eidskog.pk})
    assert [e.body_id for e in only_eidskog.context["page"]] == [eidskog.pk]


def test_the_log_filters_by_person_action_and_date(
    staff_client, manager, handler, colleague, public_report, kongsvinger
):
    staff_actions.add_note(report=public_report, body=kongsvinger, by=handler, text="a")
    staff_actions.add_note(report=public_report, body=kongsvinger, by=colleague, text="b")
    staff_actions.assign(report=public_report, body=kongsvinger, by=handler, assignee=handler)
    Entry.objects.filter(actor_id=colleague.pk).update(
        at=timezone.now() - datetime.timedelta(days=3)
    )
    staff_client.force_login(manager)
    url = reverse("staff:body_log", args=[kongsvinger.slug])

    def shown(**query):
        response = staff_client.get(url, query)
        assert response.status_code == 200
        return sorted((e.actor_id, e.action) for e in response.context["page"])

    assert shown(person=handler.pk) == [(handler.pk, "assign"), (handler.pk, "note")]
    assert shown(action="note") == sorted([(handler.pk, "note"), (colleague.pk, "note")])
    today = timezone.localdate()
    assert shown(since=today.isoformat()) == [(handler.pk, "assign"), (handler.pk, "note")]
    before = (today - datetime.timedelta(days=1)).isoformat()
    assert shown(until=before) == [(colleague.pk, "note")]


def test_a_bad_filter_is_a_clear_400(staff_client, manager, kongsvinger):
    staff_client.force_login(manager)
    url = reverse("staff:body_log", args=[kongsvinger.slug])
    response = staff_client.get(url, {"since": "not a date", "action": "nonsense"})
    assert response.status_code == 400
    assert "Check the dates" in response.text or response.context["form"].errors


# Nobody edits it; it goes after its time.


def test_the_admin_shows_the_log_and_offers_no_change_or_delete(admin_client, handler):
    Entry.objects.create(action=Action.NOTE, actor_id=handler.pk, actor=handler.email)
    entry = Entry.objects.get()
    assert admin_client.get(reverse("admin:audit_entry_changelist")).status_code == 200
    change = reverse("admin:audit_entry_change", args=[entry.pk])
    assert admin_client.post(change, {"actor": "someone else"}).status_code == 403
    delete = reverse("admin:audit_entry_delete", args=[entry.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert admin_client.get(reverse("admin:audit_entry_add")).status_code == 403
    assert Entry.objects.get().actor == handler.email


def test_entries_go_after_the_days_the_site_keeps_them(settings, handler):
    settings.AUDIT_KEEP_DAYS = 30
    now = timezone.now()
    Entry.objects.create(action=Action.NOTE, at=now - datetime.timedelta(days=31))
    kept = Entry.objects.create(action=Action.NOTE, at=now - datetime.timedelta(days=29))
    (rule,) = retention.RULES
    assert rule.run(now) == 1
    assert list(Entry.objects.all()) == [kept]
