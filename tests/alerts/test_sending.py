"""The alert job: who gets which item, once, in one e-mail per person per run."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.alerts.conftest import EIDSKOG_POINT, ago
from tests.conftest import KONGSVINGER_CENTRE
from torget.accounts.models import User
from torget.alerts import notify, sending
from torget.alerts.models import AlertRun, SentDigest, Subscription, SubscriptionKind
from torget.alerts.sending import send_due_alerts
from torget.mail.sending import send_due
from torget.places.lookup import forget_area_index
from torget.places.models import Area
from torget.reports import actions
from torget.reports.models import Category, Update

pytestmark = pytest.mark.django_db

LAT, LON = KONGSVINGER_CENTRE


def mail_to(address):
    return [message for message in mail.outbox if message.to == [address]]


def text_of(message):
    return message.body


def html_of(message):
    [(html, _type)] = message.alternatives
    return html


# Following a report


def test_it_tells_the_reporter_of_someone_elses_update(public_report, citizen, other_citizen):
    """The reporter follows their report from confirmation on."""
    actions.add_update(report=public_report, author=other_citizen, text="Still dark.", photos=[])

    assert send_due_alerts() == 1
    [message] = mail_to(citizen.email)
    assert "Still dark." in text_of(message)
    assert public_report.title in text_of(message)


def test_it_never_tells_a_person_of_their_own_update(public_report, citizen):
    actions.add_update(report=public_report, author=citizen, text="My own words.", photos=[])

    assert send_due_alerts() == 0
    assert mail.outbox == []


def test_supporters_and_update_authors_follow_the_report(
    public_report, citizen, other_citizen, third_citizen
):
    actions.add_support(report=public_report, user=other_citizen)
    actions.add_update(report=public_report, author=third_citizen, text="Seen it too.", photos=[])
    for subscription in Subscription.objects.filter(report=public_report):
        subscription.confirmed = ago(hours=1)
        subscription.save(update_fields=["confirmed"])
    actions.add_update(report=public_report, author=citizen, text="Any news?", photos=[])

    send_due_alerts()

    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([citizen.email, other_citizen.email, third_citizen.email])
    [to_other] = mail_to(other_citizen.email)
    assert "Any news?" in text_of(to_other)
    assert "Seen it too." in text_of(to_other)
    [to_third] = mail_to(third_citizen.email)
    assert "Any news?" in text_of(to_third)
    assert "Seen it too." not in text_of(to_third)


def test_a_follower_who_turned_it_off_hears_nothing(public_report, citizen, other_citizen):
    Subscription.objects.filter(user=citizen, report=public_report).update(active=False)
    actions.add_update(report=public_report, author=other_citizen, text="Hello?", photos=[])

    assert send_due_alerts() == 0


def test_a_hidden_update_is_never_sent(public_report, other_citizen):
    update = actions.add_update(
        report=public_report, author=other_citizen, text="Rude words", photos=[]
    )
    Update.objects.filter(pk=update.pk).update(hidden=True)

    assert send_due_alerts() == 0


def test_updates_on_a_hidden_report_are_never_sent(public_report, other_citizen):
    actions.add_update(report=public_report, author=other_citizen, text="Hello?", photos=[])
    public_report.hidden = True
    public_report.save(update_fields=["hidden"])

    assert send_due_alerts() == 0


# New reports: radius, area, body


def test_a_radius_alert_gets_reports_inside_the_circle_only(
    follow, report_at, kongsvinger_category, eidskog_category, other_citizen
):
    follow(other_citizen, SubscriptionKind.RADIUS, lat=LAT, lon=LON, radius=1000, label="Torget")
    near = report_at(kongsvinger_category, LAT + 0.005, LON, title="Near, 560 m north")
    report_at(kongsvinger_category, LAT + 0.01, LON, title="Far, 1.1 km north")
    report_at(eidskog_category, *EIDSKOG_POINT, title="In Eidskog")

    assert send_due_alerts() == 1
    [message] = mail.outbox
    assert near.title in text_of(message)
    assert "Far, 1.1 km north" not in text_of(message)
    assert "In Eidskog" not in text_of(message)


def test_an_area_alert_gets_the_reports_in_its_area(
    follow, report_at, kongsvinger_category, eidskog_category, kongsvinger_area, other_citizen
):
    follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area)
    report_at(kongsvinger_category, LAT, LON, title="In Kongsvinger")
    report_at(eidskog_category, *EIDSKOG_POINT, title="In Eidskog")

    send_due_alerts()

    [message] = mail.outbox
    assert "In Kongsvinger" in text_of(message)
    assert "In Eidskog" not in text_of(message)
    assert "Kongsvinger" in text_of(message).split("==")[1]


def test_a_body_alert_gets_the_reports_sent_to_the_body(
    follow, report_at, kongsvinger_category, eidskog_category, eidskog_body, other_citizen
):
    follow(other_citizen, SubscriptionKind.BODY, body=eidskog_body)
    report_at(kongsvinger_category, LAT, LON, title="To Kongsvinger")
    report_at(eidskog_category, *EIDSKOG_POINT, title="To Eidskog")

    send_due_alerts()

    [message] = mail.outbox
    assert "To Eidskog" in text_of(message)
    assert "To Kongsvinger" not in text_of(message)


def test_an_alert_narrowed_to_categories_gets_only_those(
    follow, report_at, kongsvinger_category, kongsvinger_area, other_citizen
):
    litter = Category.objects.create(
        body=kongsvinger_category.body,
        slug="soppel",
        name_nb="Søppel",
        name_nn="Søppel",
        name_en="Litter",
    )
    follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area, categories=[litter])
    report_at(kongsvinger_category, LAT, LON, title="A dark lamp")
    report_at(litter, LAT, LON, title="A full bin")

    send_due_alerts()

    [message] = mail.outbox
    assert "A full bin" in text_of(message)
    assert "A dark lamp" not in text_of(message)


def test_nobody_is_told_of_their_own_report(
    follow, report_at, kongsvinger_category, kongsvinger_area, citizen
):
    follow(citizen, SubscriptionKind.AREA, area=kongsvinger_area)
    report_at(kongsvinger_category, LAT, LON, reporter=citizen)

    assert send_due_alerts() == 0


def test_unconfirmed_and_hidden_reports_never_appear(
    follow, report_at, kongsvinger_category, kongsvinger_area, other_citizen, unconfirmed_report
):
    follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area)
    hidden = report_at(kongsvinger_category, LAT, LON, title="Hidden by a moderator")
    hidden.hidden = True
    hidden.save(update_fields=["hidden"])

    assert send_due_alerts() == 0
    assert mail.outbox == []


def test_reports_older_than_the_subscription_are_not_sent(
    follow, report_at, kongsvinger_category, kongsvinger_area, other_citizen
):
    report_at(kongsvinger_category, LAT, LON, title="Before")
    follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area, confirmed=ago(seconds=0))
    report_at(kongsvinger_category, LAT, LON, title="After")

    send_due_alerts()

    [message] = mail.outbox
    assert "After" in text_of(message)
    assert "Before" not in text_of(message)


def test_unconfirmed_or_stopped_subscriptions_get_nothing(
    follow, report_at, kongsvinger_category, kongsvinger_area, other_citizen, third_citizen
):
    pending = follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area)
    Subscription.objects.filter(pk=pending.pk).update(confirmed=None)
    follow(third_citizen, SubscriptionKind.AREA, area=kongsvinger_area, active=False)
    report_at(kongsvinger_category, LAT, LON)

    assert send_due_alerts() == 0


def test_fixed_reports_go_to_those_who_asked_for_fixed(
    follow, report_at, kongsvinger_category, kongsvinger_area, other_citizen, third_citizen
):
    report = report_at(kongsvinger_category, LAT, LON, title="The lamp")
    follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area, include_fixed=True)
    follow(third_citizen, SubscriptionKind.AREA, area=kongsvinger_area)
    report.confirmed = ago(hours=2)
    report.save(update_fields=["confirmed"])
    report.mark_fixed()

    assert send_due_alerts() == 1
    [message] = mail.outbox
    assert message.to == [other_citizen.email]
    assert "The lamp" in text_of(message)


def test_the_person_who_marked_it_fixed_is_not_told(
    follow, public_report, kongsvinger_area, other_citizen
):
    follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area, include_fixed=True)
    public_report.confirmed = ago(hours=2)
    public_report.save(update_fields=["confirmed"])
    actions.add_update(
        report=public_report, author=other_citizen, text="Fixed now.", photos=[], mark_fixed=True
    )

    send_due_alerts()

    # Kari, the reporter, hears of the update; Ola, who marked it fixed, hears nothing.
    assert mail_to(other_citizen.email) == []
    assert len(mail.outbox) == 1


# Once, grouped, in the person's language


def test_it_sends_each_item_once_however_often_it_runs(
    follow, report_at, kongsvinger_category, kongsvinger_area, other_citizen
):
    follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area)
    report_at(kongsvinger_category, LAT, LON)

    assert send_due_alerts() == 1
    assert send_due_alerts() == 0
    AlertRun.objects.all().delete()  # as if the runs' record were lost
    assert send_due_alerts() == 0
    assert len(mail.outbox) == 1


def test_an_item_matching_several_subscriptions_is_sent_once_in_one_email(
    follow, report_at, kongsvinger_category, kongsvinger_area, kongsvinger_body, other_citizen
):
    follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area)
    follow(other_citizen, SubscriptionKind.BODY, body=kongsvinger_body)
    follow(other_citizen, SubscriptionKind.RADIUS, lat=LAT, lon=LON, radius=500)
    report = report_at(kongsvinger_category, LAT, LON, title="Only once")

    assert send_due_alerts() == 1
    [message] = mail.outbox
    assert text_of(message).count("Only once") == 1
    assert logged_keys(other_citizen) == [f"new:{report.pk}"]


def test_the_digest_groups_everything_for_a_person_in_one_email(
    follow,
    report_at,
    public_report,
    kongsvinger_category,
    kongsvinger_area,
    other_citizen,
    third_citizen,
    eidskog_category,
    eidskog_body,
):
    """Ola follows Kari's report, Kongsvinger, and Eidskog's body: one e-mail, three parts."""
    actions.add_support(report=public_report, user=other_citizen)
    Subscription.objects.filter(user=other_citizen).update(confirmed=ago(hours=1))
    follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area)
    follow(other_citizen, SubscriptionKind.BODY, body=eidskog_body)
    actions.add_update(report=public_report, author=third_citizen, text="Update one", photos=[])
    report_at(kongsvinger_category, LAT, LON, title="New in Kongsvinger")
    report_at(eidskog_category, *EIDSKOG_POINT, title="New in Eidskog")

    send_due_alerts()

    [message] = mail_to(other_citizen.email)
    text = text_of(message)
    assert text.count("== ") == 3
    for words in ("Update one", "New in Kongsvinger", "New in Eidskog"):
        assert words in text
        assert words in html_of(message)
    # Kari's report, made before Ola's alerts but after they started, is new too.
    assert "4" in message.subject


def test_the_email_is_in_the_persons_language(
    follow, report_at, kongsvinger_category, kongsvinger_area, other_citizen
):
    other_citizen.language = "en"
    other_citizen.save(update_fields=["language"])
    follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area)
    report_at(kongsvinger_category, LAT, LON)

    send_due_alerts()

    [message] = mail.outbox
    assert '<html lang="en">' in html_of(message)
    assert "Street lights" in text_of(message)


def test_without_a_language_the_email_is_in_bokmal(
    follow, report_at, kongsvinger_category, kongsvinger_area, other_citizen
):
    follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area)
    report_at(kongsvinger_category, LAT, LON)

    send_due_alerts()

    assert '<html lang="nb">' in html_of(mail.outbox[0])


def test_every_alert_email_has_one_click_unsubscribe_headers(
    follow, report_at, kongsvinger_category, kongsvinger_area, other_citizen
):
    follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area)
    report_at(kongsvinger_category, LAT, LON)

    send_due_alerts()

    [message] = mail.outbox
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<http") and "/alerts/unsubscribe/" in header
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert header.strip("<>") in text_of(message)


def test_the_reporter_told_at_once_of_the_bodys_answer_is_not_told_again(
    public_report, citizen, kongsvinger_body
):
    """A body's e-mailed answer reaches the reporter at once (alerts/notify.py); the alert
    run after it does not repeat it."""
    update = Update.objects.create(
        report=public_report, body=kongsvinger_body, author=None, text="Vi fikser det."
    )
    assert notify.notify_reporter.call(update.pk) == "sent"
    assert notify.notify_reporter.call(update.pk) == "told already"

    assert send_due_alerts() == 0
    send_due()  # the outbox sends the notice
    assert len(mail.outbox) == 1


def test_an_answer_the_alert_job_sent_first_is_not_sent_again_by_notify(
    public_report, citizen, kongsvinger_body
):
    update = Update.objects.create(
        report=public_report, body=kongsvinger_body, author=None, text="Vi fikser det."
    )

    assert send_due_alerts() == 1
    assert notify.notify_reporter.call(update.pk) == "told already"
    send_due()  # nothing for the outbox to send: notify recorded nothing
    assert len(mail.outbox) == 1


def test_the_job_only_reads_the_window_since_the_last_run(
    follow, report_at, kongsvinger_category, kongsvinger_area, other_citizen
):
    """An old report that nobody was told about stays untold: news older than the window
    (and a little overlap) is not news."""
    follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area, confirmed=ago(days=2))
    old = report_at(kongsvinger_category, LAT, LON, title="Old news")
    old.confirmed = ago(hours=5)
    old.save(update_fields=["confirmed"])
    AlertRun.objects.create(started=ago(hours=3), until=ago(hours=3), finished=ago(hours=3))

    assert send_due_alerts() == 0


def test_it_sends_through_a_real_smtp_server(
    mailers,
    follow,
    report_at,
    kongsvinger_category,
    kongsvinger_area,
    other_citizen,
    third_citizen,
):
    follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area)
    follow(third_citizen, SubscriptionKind.RADIUS, lat=LAT, lon=LON, radius=800)
    report_at(kongsvinger_category, LAT, LON, title="Over SMTP")

    assert send_due_alerts() == 2
    assert sorted(str(m["To"]) for m in mailers.messages) == sorted(
        [other_citizen.email, third_citizen.email]
    )
    message = mailers.to(other_citizen.email)[0]
    assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    assert "/alerts/unsubscribe/" in str(message["List-Unsubscribe"])
    assert "Over SMTP" in message.get_body(("plain",)).get_content()


def test_a_mail_server_failure_leaves_the_items_for_the_next_run(
    mailers, follow, report_at, kongsvinger_category, kongsvinger_area, other_citizen
):
    from torget.alerts.sending import SendFailed

    follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area)
    report_at(kongsvinger_category, LAT, LON)
    mailers.refuse("451 Try again later")

    with pytest.raises(SendFailed):
        send_due_alerts()
    assert not SentDigest.objects.exists()

    mailers.refuse("")
    assert send_due_alerts() == 1


def test_staff_who_answer_follow_the_report_and_hear_of_later_updates(
    public_report, kongsvinger_staff, kongsvinger_body, other_citizen
):
    actions.answer_as_body(
        report=public_report, staff=kongsvinger_staff, body=kongsvinger_body, text="We are on it."
    )
    Subscription.objects.filter(user=kongsvinger_staff).update(confirmed=ago(hours=1))
    actions.add_update(report=public_report, author=other_citizen, text="Thanks!", photos=[])

    send_due_alerts()

    [message] = mail_to(kongsvinger_staff.email)
    assert "Thanks!" in text_of(message)
    assert "We are on it." not in text_of(message)


def test_a_report_fixed_again_after_reopening_is_news_again(
    follow, public_report, kongsvinger_area, other_citizen, citizen
):
    follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area, include_fixed=True)
    public_report.confirmed = ago(hours=2)
    public_report.save(update_fields=["confirmed"])
    public_report.mark_fixed(at=ago(minutes=30))
    assert send_due_alerts() == 1
    public_report.reopen(by=citizen)
    public_report.mark_fixed()

    assert send_due_alerts() == 1
    assert len(mail_to(other_citizen.email)) == 2


def test_the_sent_log_and_old_runs_are_dropped_once_no_window_can_reach_them(
    public_report, other_citizen
):
    old = SentDigest.objects.create(user=other_citizen, items="new:1", sent=ago(days=5))
    recent = SentDigest.objects.create(user=other_citizen, items="new:2", sent=ago(days=2))
    AlertRun.objects.create(started=ago(days=5), until=ago(days=5), finished=ago(days=5))

    send_due_alerts()

    assert not SentDigest.objects.filter(pk=old.pk).exists()
    assert SentDigest.objects.filter(pk=recent.pk).exists()
    assert not AlertRun.objects.filter(until__lt=ago(days=4)).exists()


def test_deleting_a_person_deletes_their_sent_log(
    follow, report_at, kongsvinger_category, kongsvinger_area, other_citizen, third_citizen
):
    """The log has no foreign key in the database (for speed); Django still cascades."""
    follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area)
    follow(third_citizen, SubscriptionKind.AREA, area=kongsvinger_area)
    first = report_at(kongsvinger_category, LAT, LON, title="Først")
    second = report_at(kongsvinger_category, LAT, LON, title="Så")
    assert send_due_alerts() == 2
    assert SentDigest.objects.count() == 2

    other_citizen.delete()

    assert list(SentDigest.objects.values_list("user_id", flat=True)) == [third_citizen.pk]
    assert sorted(logged_keys(third_citizen)) == sorted([f"new:{first.pk}", f"new:{second.pk}"])


def logged_keys(user: User) -> list[str]:
    """Every item the sent log says the person was told."""
    rows = SentDigest.objects.filter(user=user).values_list("items", flat=True)
    return [key for items in rows for key in items.split()]


def test_an_area_alert_goes_on_after_the_areas_boundary_changed(
    follow, report_at, kongsvinger_category, kongsvinger_area, other_citizen
):
    """import-areas gives a changed boundary a new row (a new generation) and new reports
    link to it; a subscription made on the earlier row still means Kongsvinger."""
    follow(other_citizen, SubscriptionKind.AREA, area=kongsvinger_area)
    today = timezone.localdate()
    kongsvinger_area.valid_to = today - datetime.timedelta(days=1)
    kongsvinger_area.save(update_fields=["valid_to"])
    new = Area(
        name=kongsvinger_area.name, kind=kongsvinger_area.kind, code="3401", valid_from=today
    )
    new.set_geometry(kongsvinger_area.geometry)
    new.save()
    report = report_at(kongsvinger_category, LAT, LON, title="Etter grenseendringen")
    assert list(report.areas.filter(code="3401").values_list("pk", flat=True)) == [new.pk]

    assert send_due_alerts() == 1

    [message] = mail_to(other_citizen.email)
    assert "Etter grenseendringen" in text_of(message)


def test_an_area_alert_does_not_reach_another_area_with_the_same_code(
    follow, report_at, kongsvinger_category, kongsvinger_area, other_citizen
):
    """Codes are unique per kind only: a fylke with the kommune's code is another place."""
    elsewhere = Area(name="Somewhere", kind="fylke", code="3401")
    elsewhere.set_geometry(kongsvinger_area.geometry)
    elsewhere.save()
    follow(other_citizen, SubscriptionKind.AREA, area=elsewhere)
    Area.objects.filter(pk=elsewhere.pk).update(
        valid_to=timezone.localdate() - datetime.timedelta(days=1)
    )
    forget_area_index()
    report_at(kongsvinger_category, LAT, LON)

    assert send_due_alerts() == 0


def test_sign_ups_never_confirmed_are_dropped_once_their_link_has_expired(
    public_report, kongsvinger_area, other_citizen
):
    def sign_up(kind, *, created, confirmed=None, **fields):
        return Subscription.objects.create(
            user=other_citizen, kind=kind, created=created, confirmed=confirmed, **fields
        )

    expired = sign_up(SubscriptionKind.AREA, area=kongsvinger_area, created=ago(days=9))
    pending = sign_up(SubscriptionKind.AREA, area=kongsvinger_area, created=ago(days=2))
    confirmed = sign_up(
        SubscriptionKind.AREA, area=kongsvinger_area, created=ago(days=30), confirmed=ago(days=29)
    )
    follow = sign_up(SubscriptionKind.REPORT, report=public_report, created=ago(days=30))

    send_due_alerts()

    left = set(Subscription.objects.filter(user=other_citizen).values_list("pk", flat=True))
    assert expired.pk not in left
    assert {pending.pk, confirmed.pk, follow.pk} <= left


def test_people_are_read_for_several_batches_at_once_and_logged_batch_by_batch(
    monkeypatch, follow, report_at, kongsvinger_category, kongsvinger_area
):
    """Accounts and subscriptions are read READ_BATCH people at a time; the sent log is
    still written, and committed, one BATCH at a time before its e-mails leave."""
    monkeypatch.setattr(sending, "BATCH", 2)
    monkeypatch.setattr(sending, "READ_BATCH", 4)
    people = [
        User.objects.create_user(f"person{n}@example.org", "correct horse battery")
        for n in range(5)
    ]
    for person in people:
        follow(person, SubscriptionKind.AREA, area=kongsvinger_area)
    report_at(kongsvinger_category, LAT, LON)

    with CaptureQueriesContext(connection) as queries:
        assert send_due_alerts() == 5

    sql = [query["sql"] for query in queries.captured_queries]
    account_reads = [q for q in sql if q.startswith("SELECT") and 'FROM "accounts_user"' in q]
    log_writes = [q for q in sql if q.startswith('INSERT INTO "alerts_sentdigest"')]
    assert len(account_reads) == 2  # 4 people, then 1
    assert len(log_writes) == 3  # 2, 2 and 1 people
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    assert SentDigest.objects.filter(user__in=people).count() == 5
