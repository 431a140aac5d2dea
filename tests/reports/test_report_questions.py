"""A category's extra questions on the web form: asked in the visitor's language, required
ones enforced, answers kept with the report and shown on it."""

import pytest

from tests.reports.test_new_report import LAT, LON, NEW, form_data, post_report
from torget.reports.models import Question, Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def questions(kongsvinger_category):
    """Street lights ask which kind of pole (required, one of two), which sides are dark
    (several of two), and anything else (a line, optional)."""
    return [
        Question.objects.create(
            category=kongsvinger_category, code="POLE", label="Hva slags stolpe?",
            label_nn="Kva slags stolpe?", label_en="What kind of pole?",
            hint="Se på foten av stolpen.", hint_en="Look at the foot of the pole.",
            datatype="singlevaluelist", required=True, order=1,
            values=[{"key": "wood", "name": "Tre", "name_en": "Wood"},
                    {"key": "steel", "name": "Stål", "name_en": "Steel"}],
        ),
        Question.objects.create(
            category=kongsvinger_category, code="SIDES", label="Hvilke sider er mørke?",
            label_en="Which sides are dark?", datatype="multivaluelist", order=2,
            values=[{"key": "N", "name": "Nord", "name_en": "North"},
                    {"key": "S", "name": "Sør", "name_en": "South"}],
        ),
        Question.objects.create(
            category=kongsvinger_category, code="note", label="Stolpenummer", order=3,
        ),
    ]  # fmt: skip


def field(questions, code):
    return f"question_{next(q.pk for q in questions if q.code == code)}"


def form_page(client, category, language="en"):
    client.cookies.load({"django_language": language})
    url = f"{NEW}?lat={LAT}&lon={LON}&category={category.pk}"
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_form_asks_the_categorys_questions_in_the_visitors_language(
    client, kongsvinger_category, questions
):
    page = form_page(client, kongsvinger_category)

    assert "What kind of pole?" in page
    assert "Look at the foot of the pole." in page
    assert "Which sides are dark?" in page
    assert "Stolpenummer" in page  # no English given: the bokmål text
    assert "Hva slags stolpe?" not in page


def test_a_question_without_a_translation_falls_back_to_bokmal(
    client, kongsvinger_category, questions
):
    page = form_page(client, kongsvinger_category, language="nn")

    assert "Kva slags stolpe?" in page
    assert "Hvilke sider er mørke?" in page


def test_choices_are_radio_buttons_and_checkboxes_in_a_labelled_group(
    client, kongsvinger_category, questions
):
    page = form_page(client, kongsvinger_category)

    pole = field(questions, "POLE")
    assert f'<input type="radio" name="{pole}" value="wood"' in page
    assert f'name="{field(questions, "SIDES")}" value="N"' in page
    assert 'type="checkbox"' in page
    # A group of radio buttons is a fieldset whose legend is the question.
    assert "<legend>What kind of pole?</legend>" in page
    assert f'<label for="id_{pole}_0"><input type="radio"' in page
    assert "<legend>More about the problem</legend>" in page


def test_a_long_list_of_choices_is_a_drop_down(client, kongsvinger_category):
    values = [{"key": str(n), "name": f"Valg {n}"} for n in range(1, 9)]
    question = Question.objects.create(
        category=kongsvinger_category, code="many", label="Hvilken?",
        datatype="singlevaluelist", values=values,
    )  # fmt: skip

    page = form_page(client, kongsvinger_category)

    assert f'<select name="question_{question.pk}" id="id_question_{question.pk}">' in page
    assert '<option value="8">Valg 8</option>' in page


def test_another_categorys_questions_are_not_asked(
    client, kongsvinger_category, eidskog_category, questions
):
    Question.objects.create(category=eidskog_category, code="x", label="Eidskogs spørsmål")

    page = form_page(client, kongsvinger_category)

    assert "Eidskogs spørsmål" not in page


def test_the_answers_are_kept_with_the_report(client, kongsvinger_category, questions):
    data = form_data(kongsvinger_category)
    data[field(questions, "POLE")] = "steel"
    data[field(questions, "SIDES")] = ["N", "S"]
    data[field(questions, "note")] = "  K-1234 "

    response = post_report(client, data)

    assert response.status_code == 200
    assert Report.objects.get().answers == {"POLE": "steel", "SIDES": ["N", "S"], "note": "K-1234"}


def test_optional_questions_left_empty_are_not_stored(client, kongsvinger_category, questions):
    data = form_data(kongsvinger_category)
    data[field(questions, "POLE")] = "wood"

    post_report(client, data)

    assert Report.objects.get().answers == {"POLE": "wood"}


def test_a_required_question_left_unanswered_stops_the_report(
    client, kongsvinger_category, questions
):
    client.cookies.load({"django_language": "en"})

    response = post_report(client, form_data(kongsvinger_category))

    assert response.status_code == 400
    page = response.content.decode()
    # A group of choices has no one element for its label: the link goes to its first.
    assert f'<a href="#id_{field(questions, "POLE")}_0">What kind of pole?: ' in page
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("code", "value"), [("POLE", "plastic"), ("SIDES", "E"), ("note", "a\x07b")]
)
def test_an_answer_that_is_not_allowed_stops_the_report(
    client, kongsvinger_category, questions, code, value
):
    data = form_data(kongsvinger_category)
    data[field(questions, "POLE")] = "wood"
    data[field(questions, code)] = value

    response = post_report(client, data)

    assert response.status_code == 400
    assert not Report.objects.exists()


@pytest.mark.parametrize("category", ["abc", "99999999999999999999999", "-1"])
def test_a_bad_category_asks_nothing_and_is_refused(client, kongsvinger_category, category):
    response = post_report(client, form_data(kongsvinger_category, category=category))

    assert response.status_code == 400
    assert not Report.objects.exists()


def test_the_report_page_shows_the_answers_by_their_names(
    client, kongsvinger_category, questions, citizen
):
    client.force_login(citizen)
    data = form_data(kongsvinger_category)
    data[field(questions, "POLE")] = "steel"
    data[field(questions, "SIDES")] = ["N", "S"]
    post_report(client, data)
    client.cookies.load({"django_language": "en"})

    page = client.get(Report.objects.get().get_absolute_url()).content.decode()

    assert "<dt>What kind of pole?</dt>\n    <dd>Steel</dd>" in page
    assert "<dt>Which sides are dark?</dt>\n    <dd>North, South</dd>" in page
