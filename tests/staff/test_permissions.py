"""The role ladder: each action of the workspace, for each role of the body."""

import pytest

from torget.accounts.models import Membership, Role
from torget.reports.models import Report
from torget.staff import permissions
from torget.staff.permissions import Member

pytestmark = pytest.mark.django_db

HANDLING = [
    permissions.may_view_report,
    permissions.may_assign,
    permissions.may_set_priority,
    permissions.may_add_note,
    permissions.may_answer,
    permissions.may_change_category,
]
MANAGING = [
    permissions.may_manage_templates,
    permissions.may_manage_priorities,
    permissions.may_manage_targets,
]


def as_role(user, body, role):
    return Member(user=user, body=body, role=role)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("may", HANDLING, ids=lambda f: f.__name__)
def test_every_role_handles_a_public_report(handler, kongsvinger, public_report, role, may):
    assert may(as_role(handler, kongsvinger, role), public_report)


@pytest.mark.parametrize("role", list(Role))
def test_every_role_acts_in_bulk(handler, kongsvinger, role):
    assert permissions.may_act_in_bulk(as_role(handler, kongsvinger, role))


@pytest.mark.parametrize("may", MANAGING, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    ("role", "allowed"), [(Role.HANDLER, False), (Role.MODERATOR, False), (Role.MANAGER, True)]
)
def test_only_managers_run_the_workspace(handler, kongsvinger, role, allowed, may):
    assert may(as_role(handler, kongsvinger, role)) is allowed


@pytest.mark.parametrize("may", [permissions.may_answer, permissions.may_change_category])
def test_a_hidden_report_is_not_answered_or_moved(handler, kongsvinger, public_report, may):
    Report.objects.filter(pk=public_report.pk).update(hidden=True)
    public_report.refresh_from_db()
    assert not may(as_role(handler, kongsvinger, Role.MANAGER), public_report)


def test_an_unknown_role_may_nothing(handler, kongsvinger, public_report):
    member = as_role(handler, kongsvinger, "janitor")
    assert not permissions.may_assign(member, public_report)


def test_a_user_without_membership_has_no_workspace(citizen):
    assert not permissions.may_use_workspace(permissions.members(citizen))
    assert not permissions.may_use_workspace(permissions.members(None))


def test_members_lists_each_body_with_its_role(handler, kongsvinger, eidskog):
    Membership.objects.create(user=handler, body=eidskog, role=Role.MANAGER)
    found = {(m.body.slug, m.role) for m in permissions.members(handler)}
    assert found == {("kongsvinger", Role.HANDLER), ("eidskog", Role.MANAGER)}
