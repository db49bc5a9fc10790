"""Rules for registering visits, through the services."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ido.core.models import AuditEvent
from ido.locations.models import LocationStatus
from ido.organisations.roles import Role
from ido.registrations import selectors, services
from ido.registrations.models import HelpGiven, Question, ServiceOrganisation, Topic, Visit
from tests.factories import LocationFactory, membership_for_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    return membership_for_role(Role.DESK)


@pytest.fixture
def location(desk):
    return LocationFactory(library=desk.organisation)


def question(topic="digid", organisation="belastingdienst", help_given="explained"):
    return services.QuestionInput(
        topic=Topic.objects.get(code=topic),
        service_organisation=ServiceOrganisation.objects.get(code=organisation) if organisation else None,
        help_given=HelpGiven.objects.get(code=help_given),
    )


def visit_data(*questions, **fields):
    defaults = {
        "occurred_at": timezone.now(),
        "channel": "walk_in",
        "duration_band": "10_20",
        "questions": list(questions) or [question()],
    }
    return services.VisitInput(**{**defaults, **fields})


def test_the_national_vocabularies_are_there():
    assert Topic.objects.filter(code="digid").exists()
    assert ServiceOrganisation.objects.get(code="uwv").government_layer == "national"
    assert ServiceOrganisation.objects.get(code="gemeente").government_layer == "municipal"
    assert HelpGiven.objects.get(code="referred-organisation").link_point == "referral"
    assert HelpGiven.objects.get(code="referred-course").link_point == "course"


def test_desk_registers_a_visit_with_two_questions(desk, location):
    visit = services.register_visit(
        actor=desk, location=location, data=visit_data(question(), question("allowances", "toeslagen", "done-together"))
    )
    questions = list(visit.questions.order_by("position"))
    assert [q.topic.code for q in questions] == ["digid", "allowances"]
    assert all(q.library_id == location.library_id and q.occurred_at == visit.occurred_at for q in questions)
    assert visit.registered_by == desk.user
    assert visit.library == location.library


def test_a_visit_needs_a_question_and_nothing_is_saved_without(desk, location):
    with pytest.raises(ValidationError):
        services.register_visit(actor=desk, location=location, data=visit_data(questions=[]))
    assert not Visit.objects.exists()


@pytest.mark.parametrize(
    ("note", "word"),
    [
        ("BSN 111222333", "BSN"),
        ("mail jan@example.nl", "e-mail"),
        ("06-12345678", "telefoonnummer"),
        ("NL91ABNA0417164300", "IBAN"),
    ],
)
def test_note_with_personal_data_is_refused_with_a_clear_message(desk, location, note, word):
    with pytest.raises(ValidationError) as error:
        services.register_visit(actor=desk, location=location, data=visit_data(note=note))
    message = " ".join(error.value.message_dict["note"])
    assert word in message
    assert note not in message, "the message does not repeat the personal data"
    assert not Visit.objects.exists()
    assert not Question.objects.exists()


def test_a_nine_digit_number_that_fails_the_eleven_test_is_allowed(desk, location):
    visit = services.register_visit(actor=desk, location=location, data=visit_data(note="zaaknummer 123456789"))
    assert visit.note == "zaaknummer 123456789"


def test_a_visit_in_the_future_is_refused(desk, location):
    with pytest.raises(ValidationError):
        services.register_visit(
            actor=desk, location=location, data=visit_data(occurred_at=timezone.now() + timedelta(hours=2))
        )


def test_back_entry_of_an_earlier_visit_is_allowed(desk, location):
    yesterday = timezone.now() - timedelta(days=1)
    visit = services.register_visit(actor=desk, location=location, data=visit_data(occurred_at=yesterday))
    assert visit.questions.get().occurred_at == yesterday


def test_desk_cannot_register_at_another_librarys_location(desk):
    with pytest.raises(PermissionDenied):
        services.register_visit(actor=desk, location=LocationFactory(), data=visit_data())


def test_partner_staff_cannot_register(location):
    partner = membership_for_role(Role.PARTNER_STAFF)
    with pytest.raises(PermissionDenied):
        services.register_visit(actor=partner, location=location, data=visit_data())


def test_a_closed_location_takes_no_registrations(desk):
    closed = LocationFactory(library=desk.organisation, status=LocationStatus.CLOSED)
    with pytest.raises(ValidationError):
        services.register_visit(actor=desk, location=closed, data=visit_data())


def test_a_retired_term_cannot_be_chosen_but_stays_on_old_visits(desk, location):
    visit = services.register_visit(actor=desk, location=location, data=visit_data(question("fines")))
    Topic.objects.filter(code="fines").update(retired_on=timezone.localdate())
    with pytest.raises(ValidationError):
        services.register_visit(actor=desk, location=location, data=visit_data(question("fines")))
    # Correcting the old visit may keep its retired topic.
    services.correct_visit(actor=desk, visit=visit, data=visit_data(question("fines"), duration_band="20_40"))
    visit.refresh_from_db()
    assert visit.duration_band == "20_40"
    assert visit.questions.get().topic.code == "fines"


def test_staff_correct_their_own_registration_within_seven_days_only(desk, location):
    visit = services.register_visit(actor=desk, location=location, data=visit_data())
    services.correct_visit(actor=desk, visit=visit, data=visit_data(question("taxes")))
    assert visit.questions.get().topic.code == "taxes"
    assert not AuditEvent.objects.filter(action="registrations.visit.corrected").exists()
    with time_machine.travel(timezone.now() + timedelta(days=8)), pytest.raises(PermissionDenied):
        services.correct_visit(actor=desk, visit=visit, data=visit_data(question("pension")))
    assert visit.questions.get().topic.code == "taxes"


def test_staff_cannot_correct_a_colleagues_registration(desk, location):
    colleague = membership_for_role(Role.DESK, organisation=desk.organisation)
    visit = services.register_visit(actor=colleague, location=location, data=visit_data())
    with pytest.raises(PermissionDenied):
        services.correct_visit(actor=desk, visit=visit, data=visit_data(question("taxes")))


def test_coordinator_corrects_a_final_registration_and_it_is_audited(desk, location):
    visit = services.register_visit(actor=desk, location=location, data=visit_data())
    coordinator = membership_for_role(Role.COORDINATOR, organisation=desk.organisation)
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        with pytest.raises(ValidationError) as refused:
            services.correct_visit(actor=coordinator, visit=visit, data=visit_data(question("taxes")))
        assert "reason" in refused.value.error_dict
        assert not AuditEvent.objects.filter(action="registrations.visit.corrected").exists()
        services.correct_visit(
            actor=coordinator, visit=visit, data=visit_data(question("taxes")), reason="Verkeerd onderwerp gekozen"
        )
    event = AuditEvent.objects.get(action="registrations.visit.corrected")
    assert event.detail["before"]["questions"] == ["digid/belastingdienst/explained/-"]
    assert event.detail["reason"] == "Verkeerd onderwerp gekozen"
    assert event.organisation == desk.organisation
    assert list(visit.questions.values_list("topic__code", flat=True)) == ["taxes"]


def test_a_correction_reason_with_personal_data_is_refused(desk, location):
    visit = services.register_visit(actor=desk, location=location, data=visit_data())
    coordinator = membership_for_role(Role.COORDINATOR, organisation=desk.organisation)
    with time_machine.travel(timezone.now() + timedelta(days=30)), pytest.raises(ValidationError) as refused:
        services.correct_visit(actor=coordinator, visit=visit, data=visit_data(), reason="mail jan@example.nl")
    assert "reason" in refused.value.error_dict
    assert list(visit.questions.values_list("topic__code", flat=True)) == ["digid"]


def test_a_correction_keeps_a_term_retired_since_but_cannot_choose_another_retired_one(desk, location):
    visit = services.register_visit(actor=desk, location=location, data=visit_data())
    Topic.objects.filter(code__in=["digid", "fines"]).update(retired_on=timezone.localdate())
    services.correct_visit(actor=desk, visit=visit, data=visit_data(question("digid", "uwv")))
    assert visit.questions.get().service_organisation.code == "uwv"
    with pytest.raises(ValidationError):
        services.correct_visit(actor=desk, visit=visit, data=visit_data(question("fines")))


def test_coordinator_of_another_library_cannot_correct(desk, location):
    visit = services.register_visit(actor=desk, location=location, data=visit_data())
    other = membership_for_role(Role.COORDINATOR)
    with pytest.raises(PermissionDenied):
        services.correct_visit(actor=other, visit=visit, data=visit_data(question("taxes")))


def test_undo_right_after_saving_removes_the_visit_but_not_later(desk, location):
    visit = services.register_visit(actor=desk, location=location, data=visit_data())
    services.undo_visit(actor=desk, visit=visit)
    assert not Visit.objects.exists()
    assert not Question.objects.exists()
    visit = services.register_visit(actor=desk, location=location, data=visit_data())
    with time_machine.travel(timezone.now() + timedelta(minutes=5)), pytest.raises(PermissionDenied):
        services.undo_visit(actor=desk, visit=visit)
    assert Visit.objects.count() == 1


def test_a_library_that_switches_visitor_characteristics_off_never_stores_them(desk, location):
    coordinator = membership_for_role(Role.COORDINATOR, organisation=desk.organisation)
    with pytest.raises(PermissionDenied):
        services.update_registration_settings(actor=desk, ask_visitor_characteristics=False)
    services.update_registration_settings(actor=coordinator, ask_visitor_characteristics=False)
    assert not services.asks_visitor_characteristics(desk.organisation.pk)
    visit = services.register_visit(
        actor=desk, location=location, data=visit_data(age_band="65_plus", dutch_as_second_language="yes")
    )
    visit.refresh_from_db()
    assert (visit.age_band, visit.dutch_as_second_language) == ("", "")
    assert AuditEvent.objects.filter(action="registrations.settings.changed").count() == 1
    services.update_registration_settings(actor=coordinator, ask_visitor_characteristics=True)
    visit = services.register_visit(actor=desk, location=location, data=visit_data(age_band="65_plus"))
    assert visit.age_band == "65_plus"


def test_favourite_topics_at_most_six_and_none_retired(desk):
    topics = list(Topic.objects.order_by("sort_order")[:7])
    with pytest.raises(ValidationError):
        services.set_favourite_topics(actor=desk, topics=topics)
    services.set_favourite_topics(actor=desk, topics=topics[:2])
    services.set_favourite_topics(actor=desk, topics=topics[1:3])
    assert [t.code for t in selectors.favourite_topics(desk)] == [t.code for t in topics[1:3]]
    retired = topics[4]
    Topic.objects.filter(pk=retired.pk).update(retired_on=timezone.localdate())
    retired.refresh_from_db()
    with pytest.raises(ValidationError):
        services.set_favourite_topics(actor=desk, topics=[retired])
    # A favourite retired later simply stops showing.
    Topic.objects.filter(pk=topics[1].pk).update(retired_on=timezone.localdate())
    assert [t.code for t in selectors.favourite_topics(desk)] == [topics[2].code]


def test_one_click_on_a_favourite_registers_a_common_visit(desk, location):
    visit = services.register_common_visit(actor=desk, location=location, topic=Topic.objects.get(code="taxes"))
    question = visit.questions.get()
    assert (question.topic.code, question.help_given.code, question.service_organisation) == (
        "taxes",
        "explained",
        None,
    )
    assert (visit.channel, visit.duration_band, visit.registered_by) == ("walk_in", "10_20", desk.user)


def test_a_correction_keeps_what_other_modules_linked_to_the_questions(desk, location):
    from ido.courses import services as course_services
    from tests.courses.conftest import make_course, make_session, person

    visit = services.register_visit(actor=desk, location=location, data=visit_data(question(), question("taxes")))
    first, second = visit.questions.order_by("position")
    session = make_session(make_course(desk.organisation), location)
    enrolment = course_services.enrol(actor=desk, session=session, details=person(), question=first)

    services.correct_visit(actor=desk, visit=visit, data=visit_data(question(help_given="referred-course")))

    enrolment.refresh_from_db()
    assert enrolment.question_id == first.pk  # the same question, changed in place
    assert enrolment.question.help_given.code == "referred-course"
    assert not visit.questions.filter(pk=second.pk).exists()  # the second question went
    services.correct_visit(actor=desk, visit=visit, data=visit_data(question(), question("allowances")))
    assert [q.topic.code for q in visit.questions.order_by("position")] == ["digid", "allowances"]
