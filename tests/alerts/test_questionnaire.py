"""The "has it been fixed?" questionnaire: who is asked when, and what each answer does.

The clock is moved by passing `now` to the job and to the answer, four weeks and more after the
report reached its body.
"""

import datetime
import re
import time

import pytest
from django.conf import settings
from django.core import mail, signing
from django.urls import reverse

from tests.browser.conftest import browser, scene, visitor
from tests.delivery.conftest import mailers, smtp_server
from tests.reports.conftest import (
    fresh_cache,
    kongsvinger_body,
    kongsvinger_category,
    kongsvinger_staff,
    public_report,
    unconfirmed_report,
)
from torget.alerts import questionnaire as questions
from torget.alerts.models import Answer, Questionnaire
from torget.delivery import actions as delivery_actions
from torget.delivery.models import Contact, Delivery, SendMethod
from torget.lib.signing import make_token
from torget.mail.models import Email, EmailState
from torget.mail.sending import send_due
from torget.reports import actions, stats
from torget.reports.models import State, Update

__all__ = [
    "browser",
    "fresh_cache",
    "kongsvinger_body",
    "kongsvinger_category",
    "kongsvinger_staff",
    "mailers",
    "public_report",
    "scene",
    "smtp_server",
    "unconfirmed_report",
    "visitor",
]

BODY_ADDRESS = "postmottak@kongsvinger.example"
ENGLISH = {"accept-language": "en"}
DAY = datetime.timedelta(days=1)


@pytest.fixture
def citizen(django_user_model):
    """Kari, who reads her e-mail in English."""
    return django_user_model.objects.create_user(
        "kari@example.org", "correct horse battery", name="Kari Nordmann", language="en"
    )


@pytest.fixture
def by_email(kongsvinger_category):
    """Kongsvinger gets street-light reports, and citizens' updates on them, by e-mail."""
    return Contact.objects.create(
        category=kongsvinger_category, send_method=SendMethod.EMAIL, email=BODY_ADDRESS
    )


@pytest.fixture
def delivered(by_email, public_report):
    """Kari's report, which reached Kongsvinger by e-mail: delivery marked it sent, and the
    report keeps the time (`delivered.report.delivered`)."""
    delivery_actions.mark_sent(Delivery.objects.select_related("report").get(report=public_report))
    public_report.refresh_from_db()
    return Delivery.objects.select_related("report").get(report=public_report)


@pytest.fixture
def report(delivered):
    return delivered.report


def weeks_after(delivery, weeks, days=0):
    return delivery.report.delivered + datetime.timedelta(weeks=weeks, days=days)


def asked(now):
    """Run the job at `now`; the outbox then sends what it recorded, as it does on commit."""
    mail.outbox.clear()
    count = questions.send_due_questionnaires(now=now)
    send_due(now)
    return count


def link_in(message):
    return re.search(r"http://\S+/questionnaire/\S+", message.body)[0]


def path_of(questionnaire):
    return reverse(
        "questionnaire:answer", args=[make_token("questionnaire", str(questionnaire.pk))]
    )


def fix_as_body(report, staff, body):
    actions.answer_as_body(
        report=report, staff=staff, body=body, text="Lyset virker igjen.", new_state=State.FIXED
    )
    report.refresh_from_db()


# Who is asked, and when


def test_it_asks_nobody_before_four_weeks_have_passed(report, delivered):
    assert asked(weeks_after(delivered, 4) - datetime.timedelta(minutes=1)) == 0
    assert mail.outbox == []
    assert not Questionnaire.objects.exists()


def test_it_asks_the_reporter_four_weeks_after_the_report_was_delivered(report, delivered):
    now = weeks_after(delivered, 4, days=1)
    assert asked(now) == 1
    [message] = mail.outbox
    assert message.to == ["kari@example.org"]
    assert message.subject == "Has it been fixed? Gatelyset er mørkt"
    assert "Kongsvinger kommune" in message.body
    html = message.alternatives[0][0]
    assert link_in(message) in html
    questionnaire = Questionnaire.objects.get()
    assert (questionnaire.report, questionnaire.sent) == (report, now)
    assert questionnaire.state_when_sent == State.OPEN
    assert questionnaire.answered is None


def test_the_link_in_the_email_opens_the_question_without_a_login(client, report, delivered):
    asked(weeks_after(delivered, 5))
    url = link_in(mail.outbox[0]).removeprefix(settings.BASE_URL)
    response = client.get(url, headers=ENGLISH)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Has the problem been fixed?" in content
    assert 'name="answer" value="fixed"' in content
    assert "Gatelyset er mørkt" in content


def test_it_asks_once_in_a_period_however_often_the_job_runs(report, delivered):
    now = weeks_after(delivered, 4, days=1)
    assert asked(now) == 1
    assert asked(now + datetime.timedelta(hours=1)) == 0
    assert asked(now + 20 * DAY) == 0
    assert Questionnaire.objects.count() == 1


def test_it_does_not_ask_about_a_report_that_has_not_reached_its_body(by_email, public_report):
    delivery = Delivery.objects.get(report=public_report)
    delivery.mark_failed_attempt("451 Try again later", permanent=False)
    public_report.refresh_from_db()
    assert public_report.delivered is None
    assert asked(public_report.confirmed + datetime.timedelta(weeks=10)) == 0


def test_it_counts_four_weeks_from_the_delivery_not_from_the_report(report, delivered):
    """The report reached its body ten days after it was made."""
    later = delivered.report.delivered + 10 * DAY
    type(report).objects.filter(pk=report.pk).update(delivered=later)
    assert asked(weeks_after(delivered, 4, days=5)) == 0
    assert asked(weeks_after(delivered, 4, days=11)) == 1


def test_it_does_not_ask_about_a_hidden_report(report, delivered):
    report.hidden = True
    report.save(update_fields=["hidden"])
    assert asked(weeks_after(delivered, 5)) == 0


def test_it_does_not_ask_about_a_report_the_body_closed(
    report, delivered, kongsvinger_staff, kongsvinger_body
):
    actions.answer_as_body(
        report=report,
        staff=kongsvinger_staff,
        body=kongsvinger_body,
        text="Dette er Statens vegvesen sitt ansvar.",
        new_state=State.NOT_RESPONSIBLE,
    )
    assert asked(weeks_after(delivered, 5)) == 0


def test_it_does_not_ask_about_a_report_the_reporter_marked_fixed(report, delivered, citizen):
    actions.add_update(report=report, author=citizen, text="Fikset!", photos=[], mark_fixed=True)
    assert asked(weeks_after(delivered, 5)) == 0


def test_it_asks_once_about_a_report_the_body_marked_fixed(
    report, delivered, kongsvinger_staff, kongsvinger_body
):
    fix_as_body(report, kongsvinger_staff, kongsvinger_body)
    assert asked(weeks_after(delivered, 4, days=1)) == 1
    assert "has been marked as fixed" in mail.outbox[0].body
    assert Questionnaire.objects.get().state_when_sent == State.FIXED
    assert asked(weeks_after(delivered, 9)) == 0
    assert asked(weeks_after(delivered, 20)) == 0


def test_it_does_not_dig_up_a_report_fixed_long_ago(
    report, delivered, kongsvinger_staff, kongsvinger_body
):
    fix_as_body(report, kongsvinger_staff, kongsvinger_body)
    assert asked(report.fixed + questions.FIXED_RECENTLY + DAY) == 0


def test_it_writes_in_the_reporters_language(report, delivered, citizen):
    citizen.language = "nb"
    citizen.save(update_fields=["language"])
    asked(weeks_after(delivered, 5))
    html = mail.outbox[0].alternatives[0][0]
    assert '<html lang="nb">' in html


def test_a_question_the_mail_server_could_not_take_reaches_the_reporter_when_it_is_back(
    report, delivered, mailers
):
    """The question is recorded with its e-mail, and the outbox tries again until the
    mail server takes it; the next run does not ask again."""
    mailers.stop()
    now = weeks_after(delivered, 5)
    assert asked(now) == 1
    mailers.start()
    assert asked(now + datetime.timedelta(hours=1)) == 0
    [message] = mailers.messages
    assert str(message["Subject"]).startswith("Has it been fixed?")


def test_an_address_refused_for_good_is_not_asked_again_every_hour(report, delivered, mailers):
    mailers.refuse("550 No such mailbox")
    now = weeks_after(delivered, 5)
    assert asked(now) == 1
    assert Email.objects.get().state == EmailState.FAILED
    mailers.refuse("")
    assert asked(now + datetime.timedelta(hours=1)) == 0
    assert mailers.messages == []


def test_a_refusal_for_now_is_tried_again_by_the_outbox(report, delivered, mailers):
    mailers.refuse("451 Try again later")
    now = weeks_after(delivered, 5)
    assert asked(now) == 1
    assert Questionnaire.objects.count() == 1
    mailers.refuse("")
    assert send_due(now + datetime.timedelta(hours=1)) == 1
    assert len(mailers.messages) == 1


def test_it_does_not_ask_a_reporter_whose_account_is_closed(report, delivered, citizen):
    citizen.is_active = False
    citizen.save(update_fields=["is_active"])
    assert asked(weeks_after(delivered, 5)) == 0


def test_the_worker_runs_the_job_without_arguments(report, delivered):
    """Four weeks have not passed in real time, so nobody is asked yet."""
    assert questions.send_due_questionnaires() == 0


# Answering


@pytest.fixture
def question(report, delivered):
    asked(weeks_after(delivered, 4, days=1))
    return Questionnaire.objects.get()


def answer(client, question, choice, text="", **headers):
    return client.post(path_of(question), {"answer": choice, "text": text}, headers=headers)


def test_yes_marks_the_report_fixed_in_the_reporters_name(client, question, report, citizen):
    response = answer(client, question, Answer.FIXED, "Lyset virker igjen. Takk!")
    assert response.status_code == 302
    assert response.url == response.request["PATH_INFO"]
    report.refresh_from_db()
    assert report.state == State.FIXED
    assert report.fixed is not None
    update = Update.objects.get(report=report, author=citizen)
    assert (update.new_state, update.text) == (State.FIXED, "Lyset virker igjen. Takk!")
    question.refresh_from_db()
    assert (question.answer, question.update) == (Answer.FIXED, update)
    assert question.answered is not None


def test_yes_tells_the_body_that_the_report_is_fixed(
    client, question, report, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answer(client, question, Answer.FIXED)
    assert [m.to for m in mail.outbox] == [[BODY_ADDRESS]]


def test_after_answering_the_page_thanks_and_shows_the_answer(client, question):
    response = client.get(
        answer(client, question, Answer.DONT_KNOW, **ENGLISH).url, headers=ENGLISH
    )
    content = response.content.decode()
    assert "Thank you for your answer." in content
    assert "You answered «I don&#x27;t know»" in content
    assert '<form class="stack" method="post"' not in content


def test_no_on_an_open_report_keeps_it_open_and_records_the_answer(client, question, report):
    answer(client, question, Answer.NOT_FIXED)
    report.refresh_from_db()
    assert report.state == State.OPEN
    assert not Update.objects.filter(report=report).exists()
    question.refresh_from_db()
    assert question.answer == Answer.NOT_FIXED and question.update is None


def test_an_update_written_with_no_goes_on_the_report(client, question, report, citizen):
    answer(client, question, Answer.NOT_FIXED, "Fortsatt mørkt om kvelden.")
    update = Update.objects.get(report=report)
    assert (update.author, update.new_state, update.text) == (
        citizen,
        "",
        "Fortsatt mørkt om kvelden.",
    )


def test_no_after_the_body_said_fixed_reopens_and_tells_the_body(
    client,
    report,
    delivered,
    citizen,
    kongsvinger_staff,
    kongsvinger_body,
    django_capture_on_commit_callbacks,
):
    fix_as_body(report, kongsvinger_staff, kongsvinger_body)
    asked(weeks_after(delivered, 4, days=1))
    question = Questionnaire.objects.get()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answer(client, question, Answer.NOT_FIXED, "Lyset er fortsatt mørkt.")
    report.refresh_from_db()
    assert report.state == State.OPEN and report.fixed is None
    update = Update.objects.get(report=report, author=citizen)
    assert update.new_state == State.OPEN
    [to_body] = mail.outbox
    assert to_body.to == [BODY_ADDRESS]
    assert "Lyset er fortsatt mørkt." in to_body.body
    question.refresh_from_db()
    assert question.answer == Answer.NOT_FIXED and question.update == update


def test_no_reopens_a_report_the_body_marked_fixed_after_the_question_was_sent(
    client, question, report, kongsvinger_staff, kongsvinger_body
):
    fix_as_body(report, kongsvinger_staff, kongsvinger_body)
    answer(client, question, Answer.NOT_FIXED)
    report.refresh_from_db()
    assert report.state == State.OPEN


def test_yes_after_the_body_said_fixed_confirms_it_and_is_not_asked_again(
    client, report, delivered, kongsvinger_staff, kongsvinger_body
):
    fix_as_body(report, kongsvinger_staff, kongsvinger_body)
    asked(weeks_after(delivered, 4, days=1))
    answer(client, Questionnaire.objects.get(), Answer.FIXED)
    report.refresh_from_db()
    assert report.state == State.FIXED
    assert asked(weeks_after(delivered, 9)) == 0


def test_no_on_a_report_the_body_closed_leaves_it_closed(
    client, question, report, kongsvinger_staff, kongsvinger_body
):
    actions.answer_as_body(
        report=report,
        staff=kongsvinger_staff,
        body=kongsvinger_body,
        text="Ingen videre tiltak.",
        new_state=State.NO_FURTHER_ACTION,
    )
    answer(client, question, Answer.NOT_FIXED)
    report.refresh_from_db()
    assert report.state == State.NO_FURTHER_ACTION
    question.refresh_from_db()
    assert question.answer == Answer.NOT_FIXED


def test_dont_know_changes_nothing_but_is_recorded(client, question, report):
    answer(client, question, Answer.DONT_KNOW)
    report.refresh_from_db()
    assert report.state == State.OPEN
    question.refresh_from_db()
    assert question.answer == Answer.DONT_KNOW and question.answered is not None


@pytest.mark.parametrize("first", [Answer.NOT_FIXED, Answer.DONT_KNOW])
def test_a_report_still_unfixed_is_asked_about_again_four_weeks_later(question, delivered, first):
    """The second round comes four weeks after the first question, whatever its answer was
    (other than yes)."""
    first_sent = question.sent
    questions.answer_questionnaire(questionnaire=question, answer=first, now=first_sent + 2 * DAY)
    assert asked(first_sent + 27 * DAY) == 0
    assert asked(first_sent + 28 * DAY + datetime.timedelta(hours=1)) == 1
    second = Questionnaire.objects.latest("sent")
    assert second.pk != question.pk and second.answered is None
    assert asked(first_sent + 50 * DAY) == 0
    assert asked(first_sent + 57 * DAY) == 1, "and a third round after four weeks more"


def test_an_unanswered_question_is_asked_again_four_weeks_later(question):
    assert asked(question.sent + 28 * DAY + datetime.timedelta(minutes=1)) == 1


def test_a_report_fixed_by_yes_is_not_asked_about_again(client, question):
    answer(client, question, Answer.FIXED)
    assert asked(question.sent + 29 * DAY) == 0
    assert asked(question.sent + 60 * DAY) == 0


def test_a_question_is_answered_only_once(client, question, report):
    answer(client, question, Answer.DONT_KNOW)
    response = answer(client, question, Answer.FIXED, "Likevel fikset", **ENGLISH)
    assert response.status_code == 409
    assert "You answered «I don&#x27;t know»" in response.content.decode()
    report.refresh_from_db()
    assert report.state == State.OPEN
    question.refresh_from_db()
    assert question.answer == Answer.DONT_KNOW
    assert not Update.objects.filter(report=report).exists()


def test_the_action_refuses_a_second_answer(question):
    questions.answer_questionnaire(questionnaire=question, answer=Answer.DONT_KNOW)
    with pytest.raises(questions.AlreadyAnswered):
        questions.answer_questionnaire(questionnaire=question, answer=Answer.FIXED)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "This field is required."),
        ({"answer": "maybe"}, "Select a valid choice."),
        ({"answer": Answer.FIXED, "text": "x" * 5001}, "at most 5000 characters"),
    ],
)
def test_a_bad_answer_is_explained_and_changes_nothing(client, question, report, data, message):
    response = client.post(path_of(question), data, headers=ENGLISH)
    assert response.status_code == 400
    assert message in response.content.decode()
    report.refresh_from_db()
    assert report.state == State.OPEN
    question.refresh_from_db()
    assert question.answered is None


def test_a_tampered_link_is_explained(client, question):
    response = client.get(path_of(question) + "x", headers=ENGLISH)
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()


def test_a_link_for_another_purpose_is_refused(client, question):
    token = make_token("report-confirmation", str(question.pk))
    response = client.get(reverse("questionnaire:answer", args=[token]))
    assert response.status_code == 400


def test_an_expired_link_is_explained(client, question):
    class LongAgo(signing.TimestampSigner):
        def timestamp(self):
            age = questions.LINK_VALID_FOR.total_seconds() + 60
            return signing.b62_encode(int(time.time() - age))

    token = LongAgo(salt="torget.questionnaire").sign(str(question.pk))
    response = client.post(
        reverse("questionnaire:answer", args=[token]), {"answer": "fixed"}, headers=ENGLISH
    )
    assert response.status_code == 400
    assert "This link has expired" in response.content.decode()
    question.refresh_from_db()
    assert question.answered is None


def test_a_link_to_a_question_that_has_gone_is_not_found(client, question):
    url = path_of(question)
    question.delete()
    assert client.get(url).status_code == 404


def test_a_question_about_a_hidden_report_is_not_found(client, question, report):
    report.hidden = True
    report.save(update_fields=["hidden"])
    assert client.get(path_of(question)).status_code == 404
    assert answer(client, question, Answer.FIXED).status_code == 404
    report.refresh_from_db()
    assert report.state == State.OPEN


def test_answering_needs_the_csrf_token(client, question):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(path_of(question), {"answer": "fixed"}).status_code == 403
    question.refresh_from_db()
    assert question.answered is None


def test_answers_are_rate_limited(client, question):
    for _ in range(10):
        assert client.post(path_of(question), {"answer": "?"}).status_code == 400
    response = client.post(path_of(question), {"answer": Answer.FIXED})
    assert response.status_code == 429
    question.refresh_from_db()
    assert question.answered is None


def test_the_question_page_costs_a_few_queries(client, question, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        assert client.get(path_of(question)).status_code == 200


# Statistics


def test_the_answers_are_counted_for_the_bodys_figures(client, question, report, kongsvinger_body):
    from torget.reports import stats

    assert stats.compute_body_figures(kongsvinger_body).questionnaires.answered == 0
    answer(client, question, Answer.NOT_FIXED)
    asked(question.sent + 29 * DAY)
    answer(client, Questionnaire.objects.latest("sent"), Answer.FIXED)
    figures = stats.compute_body_figures(kongsvinger_body).questionnaires
    assert (figures.fixed, figures.not_fixed, figures.dont_know) == (1, 1, 0)
    assert figures.fixed_percent == 50
    content = client.get(reverse("reports:body", args=["kongsvinger"]), headers=ENGLISH).text
    assert "Reporters asked after four weeks who said it was fixed" in content
    assert "50 %" in content


def test_an_unanswered_question_is_not_counted(question, kongsvinger_body):
    from torget.reports import stats

    figures = stats.compute_body_figures(kongsvinger_body).questionnaires
    assert figures.answered == 0 and figures.fixed_percent is None


# In a real browser


@pytest.mark.browser
@pytest.mark.parametrize("width", [360, 1280])
def test_the_question_page_has_no_accessibility_violations(visitor, scene, width):
    """Asked, answered wrongly (no choice), and answered: axe faults none of the three, on a
    phone and on a desktop, and the answer is made with the keyboard-reachable labels."""
    from playwright.sync_api import expect

    from tests.browser.test_accessibility import assert_no_violations

    question = Questionnaire.objects.create(report=scene.existing, state_when_sent=State.OPEN)
    kari = visitor("nb", width)
    assert_no_violations(kari, path_of(question))
    kari.shoot("questionnaire-asked")
    kari.page.get_by_role("button", name=kari.t("Send my answer")).click()
    expect(kari.page.get_by_role("alert")).to_contain_text(kari.t("There is a problem"))
    assert_no_violations(kari)
    kari.page.get_by_label(kari.t("Yes, it has been fixed")).check()
    kari.page.get_by_label(kari.t("Anything to add? (optional)")).fill("Hullet er fylt igjen.")
    kari.page.get_by_role("button", name=kari.t("Send my answer")).click()
    expect(kari.page.get_by_role("status")).to_contain_text(kari.t("Thank you for your answer."))
    assert_no_violations(kari)
    kari.shoot("questionnaire-answered")
    scene.existing.refresh_from_db()
    assert scene.existing.state == State.FIXED


# The answers in the body's figures


def test_the_answers_show_on_the_bodys_page(client, question, report, kongsvinger_body):
    """Alerts keeps the answers and counts them for the body's figures (reports/stats.py
    asks through the handler alerts registers)."""
    questions.answer_questionnaire(questionnaire=question, answer=Answer.NOT_FIXED)
    asked(question.sent + 28 * DAY + datetime.timedelta(minutes=1))
    second = Questionnaire.objects.latest("sent")
    questions.answer_questionnaire(questionnaire=second, answer=Answer.FIXED)

    figures = stats.compute_body_figures(kongsvinger_body)
    assert figures.questionnaires == stats.QuestionnaireAnswers(fixed=1, not_fixed=1)
    page = client.get(reverse("reports:body", args=[kongsvinger_body.slug]), headers=ENGLISH)
    content = page.content.decode()
    assert "Reporters asked after four weeks who said it was fixed" in content
    assert "50 %" in content


def test_a_body_without_answers_shows_no_such_figure(client, report, kongsvinger_body):
    assert stats.compute_body_figures(kongsvinger_body).questionnaires.answered == 0
    page = client.get(reverse("reports:body", args=[kongsvinger_body.slug]), headers=ENGLISH)
    assert "who said it was fixed" not in page.content.decode()
