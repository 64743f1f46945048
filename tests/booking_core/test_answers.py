"""Booking forms: answers are validated against the service's own questions and stored as a snapshot."""

import pytest

from booking_core.errors import BookingError
from booking_core.models import FormField
from booking_core.services.answers import answers_validate
from booking_core.services.bookings import booking_create_group
from booking_core.services.catalogue import form_field_update
from tests.factories import OPERATOR, client_details, make_question, make_service, make_session

pytestmark = pytest.mark.django_db

LEVELS = [{"value": "beginner", "en": "Beginner", "hu": "Kezdő", "de": "Anfänger"},
          {"value": "advanced", "en": "Advanced", "hu": "Haladó", "de": "Fortgeschritten"}]


@pytest.fixture
def service(tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        service = make_service()
        make_question(service, "child_name", required=True, label_hu="Gyermek neve", max_length=40, position=1)
        make_question(service, "level", FormField.Type.SINGLE_CHOICE, choices=LEVELS, position=2, required=True)
        make_question(service, "extras", FormField.Type.MULTIPLE_CHOICE, choices=LEVELS, position=3)
        make_question(service, "age", FormField.Type.NUMBER, min_value=3, max_value=18, position=4)
        make_question(service, "birthday", FormField.Type.DATE, position=5)
        make_question(service, "parent_email", FormField.Type.EMAIL, position=6)
        make_question(service, "phone", FormField.Type.PHONE, position=7)
        make_question(service, "notes", FormField.Type.LONG_TEXT, position=8)
        make_question(service, "consent", FormField.Type.CHECKBOX, required=True, position=9)
        yield service


VALID = {"child_name": " Bence ", "level": "beginner", "extras": ["advanced"], "age": "7", "birthday": "2019-04-02",
         "parent_email": "szulo@example.hu", "phone": "+36 30 111 2222", "notes": "Afraid of deep water",
         "consent": True}


def test_valid_answers_become_a_snapshot_in_the_booking_language(service):
    snapshot = answers_validate(service=service, answers=VALID, language="hu")
    by_key = {entry["key"]: entry for entry in snapshot}
    assert [entry["key"] for entry in snapshot] == [
        "child_name", "level", "extras", "age", "birthday", "parent_email", "phone", "notes", "consent"]
    assert by_key["child_name"] == {"key": "child_name", "type": "text", "label": "Gyermek neve", "value": "Bence"}
    assert by_key["level"]["display"] == "Kezdő"
    assert by_key["age"]["value"] == "7"
    assert by_key["consent"]["value"] is True


@pytest.mark.parametrize(("key", "value"), [
    ("child_name", "x" * 41), ("level", "expert"), ("extras", ["advanced", "advanced"]), ("extras", "nope"),
    ("age", "two"), ("age", 2), ("age", 19), ("birthday", "02/04/2019"), ("parent_email", "nobody"),
    ("phone", "call me"), ("consent", "maybe"), ("child_name", 42),
])
def test_each_kind_of_bad_answer_is_reported_on_its_question(service, key, value):
    with pytest.raises(BookingError) as refused:
        answers_validate(service=service, answers={**VALID, key: value}, language="en")
    assert list(refused.value.fields) == [key]


def test_required_questions_and_consent_must_be_answered(service):
    answers = {**VALID, "child_name": "  ", "consent": False}
    answers.pop("level")
    with pytest.raises(BookingError) as refused:
        answers_validate(service=service, answers=answers, language="en")
    assert set(refused.value.fields) == {"child_name", "level", "consent"}
    assert refused.value.fields["consent"] == ["Please tick this box to continue."]


def test_unknown_questions_are_refused(service):
    with pytest.raises(BookingError) as refused:
        answers_validate(service=service, answers={**VALID, "shoe_size": "42"}, language="en")
    assert refused.value.fields == {"shoe_size": ["This form has no such question."]}


def test_changing_the_form_does_not_change_answers_already_stored(service, tenant_alpha):
    # given: a booking made with the current form
    booking = booking_create_group(tenant=tenant_alpha, session=make_session(service), seats=1,
                                   client=client_details(), answers=VALID, language="en", actor=OPERATOR)
    stored = list(booking.answers)
    # when: the question is relabelled and its choices replaced
    level = service.form_fields.get(key="level")
    form_field_update(field=level, actor=OPERATOR, label_en="Swimming level",
                      choices=[{"value": "pro", "en": "Pro"}])
    # then
    booking.refresh_from_db()
    assert booking.answers == stored
    assert {entry["key"]: entry for entry in booking.answers}["level"]["display"] == "Beginner"


def test_a_choice_question_without_choices_cannot_be_saved(service):
    level = service.form_fields.get(key="level")
    with pytest.raises(BookingError) as refused:
        form_field_update(field=level, actor=OPERATOR, choices=[])
    assert "choices" in refused.value.fields
