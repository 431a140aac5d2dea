"""reports.actions.change_category reads whether a move is a move with the report's row locked.

Two staff members of the body move the same report to the same category at the same moment.
Each action runs in its own transaction and database connection, as two requests would. The
first has moved it and not yet committed when the second starts; the first commits only once
the second is waiting for a lock. With the lock, the second waits before it reads, then sees
the move and is told the category is unchanged: one move, one timeline entry. Without it, the
second reads the old category, waits only at its write, and writes a second "moved to" entry.

PostgreSQL only: SQLite runs one writing transaction at a time (Torget opens them IMMEDIATE),
so there the lock is implicit and the second could not begin while the first is open.
"""

import threading

import pytest
from django.db import connection, transaction

from torget.reports import actions
from torget.reports.models import Category, Update

pytestmark = pytest.mark.django_db(transaction=True)

WAIT_SECONDS = 20


@pytest.fixture
def other_category(kongsvinger_body):
    return Category.objects.create(
        body=kongsvinger_body, slug="veg", name_nb="Veg", name_nn="Veg", name_en="Road"
    )


@pytest.fixture
def colleague(django_user_model, kongsvinger_staff):
    membership = kongsvinger_staff.memberships.get()
    user = django_user_model.objects.create_user("kollega@kongsvinger.example", "staff pw 42")
    user.memberships.create(body=membership.body, role=membership.role)
    return user


def waiting_for_a_lock(pid: int) -> bool:
    """Whether the backend `pid` waits for a lock (pg_locks is read live, not snapshotted)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted)", [pid]
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def test_two_staff_moving_it_to_the_same_category_at_once_make_one_move(
    public_report, kongsvinger_staff, colleague, kongsvinger_body, other_category
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one writing transaction run at a time; nothing can interleave")
    first_moved = threading.Event()
    second_started = threading.Event()
    second_pid: list[int] = []
    outcomes: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                outcomes["first"] = actions.change_category(
                    report=public_report, category=other_category, by=kongsvinger_staff,
                    body=kongsvinger_body,
                )  # fmt: skip
                first_moved.set()
                assert second_started.wait(WAIT_SECONDS)
                for _ in range(WAIT_SECONDS * 100):
                    if waiting_for_a_lock(second_pid[0]):
                        break
                    threading.Event().wait(0.01)
        except BaseException as error:
            outcomes["first"] = error
        finally:
            connection.close()

    def second() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                second_pid.append(cursor.fetchone()[0])
            second_started.set()
            assert first_moved.wait(WAIT_SECONDS)
            outcomes["second"] = actions.change_category(
                report=public_report, category=other_category, by=colleague, body=kongsvinger_body
            )
        except BaseException as error:
            outcomes["second"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=3 * WAIT_SECONDS)

    assert isinstance(outcomes["first"], Update)
    assert isinstance(outcomes["second"], actions.Unchanged), outcomes["second"]
    moves = Update.objects.filter(report=public_report, new_category__isnull=False)
    assert [(move.author, move.new_category) for move in moves] == [
        (kongsvinger_staff, other_category)
    ]
    public_report.refresh_from_db()
    assert public_report.category == other_category
