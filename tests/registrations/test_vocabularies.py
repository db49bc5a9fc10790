"""National administrators manage the vocabularies: versioned (audited), retired terms stay on old registrations."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from ido.core.models import AuditEvent
from ido.organisations.roles import Role
from ido.registrations import selectors, services, vocabulary_services
from ido.registrations.models import HelpGiven, KbCategory, ServiceOrganisation, Topic
from tests.factories import LocationFactory, VisitFactory, membership_for_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return membership_for_role(Role.NATIONAL_ADMIN)


def test_only_national_administrators_change_the_lists():
    coordinator = membership_for_role(Role.COORDINATOR)
    with pytest.raises(PermissionDenied):
        vocabulary_services.create_term(
            actor=coordinator, model=Topic, values={"code": "x", "label_nl": "X", "label_en": "X"}
        )


def test_a_new_subtopic_is_added_and_audited(admin):
    parent = Topic.objects.get(code="allowances")
    term = vocabulary_services.create_term(
        actor=admin,
        model=Topic,
        values={"code": "huurtoeslag", "label_nl": "Huurtoeslag", "label_en": "Rent benefit", "parent": parent},
    )
    assert term.parent == parent
    event = AuditEvent.objects.get(action="registrations.vocabulary.created")
    assert event.detail["after"]["parent"] == "allowances"
    # Only one level: a subtopic cannot be a main topic.
    with pytest.raises(ValidationError):
        vocabulary_services.create_term(
            actor=admin,
            model=Topic,
            values={"code": "deeper", "label_nl": "Dieper", "label_en": "Deeper", "parent": term},
        )
    # A code is unique.
    with pytest.raises(ValidationError):
        vocabulary_services.create_term(
            actor=admin, model=Topic, values={"code": "huurtoeslag", "label_nl": "Dubbel", "label_en": "Double"}
        )


def test_a_change_is_a_version_with_before_and_after(admin):
    topic = Topic.objects.get(code="digid")
    vocabulary_services.update_term(actor=admin, term=topic, values={"label_nl": "DigiD en DigiD-app"})
    (event,) = selectors.term_history(topic)
    assert event.detail["before"]["label_nl"] == "DigiD (aanvragen, activeren, app)"
    assert event.detail["after"]["label_nl"] == "DigiD en DigiD-app"
    with pytest.raises(ValueError):  # the code is what exports and the API use: it never changes
        vocabulary_services.update_term(actor=admin, term=topic, values={"code": "other-code"})


def test_a_retired_term_stays_on_old_registrations_and_cannot_be_chosen(admin):
    desk = membership_for_role(Role.DESK)
    location = LocationFactory(library=desk.organisation)
    old = VisitFactory(location=location, questions=[("fines", "explained")])
    fines = Topic.objects.get(code="fines")
    with pytest.raises(ValidationError):  # history does not change
        vocabulary_services.retire_term(actor=admin, term=fines, on=timezone.localdate() - timedelta(days=1))
    vocabulary_services.retire_term(actor=admin, term=fines, on=timezone.localdate())
    fines.refresh_from_db()
    assert old.questions.get().topic == fines
    assert fines not in selectors.choosable_topics()
    with pytest.raises(ValidationError):
        services.register_visit(
            actor=desk,
            location=location,
            data=services.VisitInput(
                occurred_at=timezone.now(),
                channel="walk_in",
                duration_band="10_20",
                questions=[services.QuestionInput(topic=fines, help_given=HelpGiven.objects.get(code="explained"))],
            ),
        )
    vocabulary_services.reinstate_term(actor=admin, term=fines)
    assert fines in selectors.choosable_topics()
    actions = [event.action for event in selectors.term_history(fines)]
    assert actions == ["registrations.vocabulary.reinstated", "registrations.vocabulary.retired"]


def test_a_main_topic_is_retired_after_its_subtopics(admin):
    parent = Topic.objects.get(code="allowances")
    child = vocabulary_services.create_term(
        actor=admin,
        model=Topic,
        values={"code": "zorgtoeslag", "label_nl": "Zorgtoeslag", "label_en": "Care", "parent": parent},
    )
    with pytest.raises(ValidationError):
        vocabulary_services.retire_term(actor=admin, term=parent, on=timezone.localdate())
    vocabulary_services.retire_term(actor=admin, term=child, on=timezone.localdate())
    vocabulary_services.retire_term(actor=admin, term=parent, on=timezone.localdate())
    with pytest.raises(ValidationError):  # the main topic first
        vocabulary_services.reinstate_term(actor=admin, term=child)


def test_the_kb_mapping_only_takes_categories_of_the_same_list(admin):
    uwv = ServiceOrganisation.objects.get(code="uwv")
    topic_category = KbCategory.objects.get(code="kb-topic-digid")
    with pytest.raises(ValidationError):
        vocabulary_services.update_term(actor=admin, term=uwv, values={"kb_category": topic_category})
    other = KbCategory.objects.get(code="kb-org-other")
    changed = vocabulary_services.set_kb_mapping(
        actor=admin,
        model=ServiceOrganisation,
        mapping={uwv.pk: other, ServiceOrganisation.objects.get(code="svb").pk: None},
    )
    assert changed == 2
    uwv.refresh_from_db()
    assert uwv.kb_category == other


def test_every_starting_term_is_mapped_to_a_kb_category():
    for model in (Topic, ServiceOrganisation, HelpGiven):
        assert not model.objects.filter(kb_category__isnull=True).exists(), model


def test_admin_pages_list_add_edit_retire_and_map(client, as_role):
    as_role(Role.NATIONAL_ADMIN)
    page = client.get(reverse("registrations:vocabulary", kwargs={"kind": "organisations"}))
    assert page.status_code == 200
    assert "Belastingdienst" in page.content.decode()
    assert client.get(reverse("registrations:vocabulary", kwargs={"kind": "nonsense"})).status_code == 404

    response = client.post(
        reverse("registrations:vocabulary_new", kwargs={"kind": "organisations"}),
        {"code": "nibud", "label_nl": "Nibud", "label_en": "Nibud", "sort_order": "300", "government_layer": "private"},
    )
    assert response.status_code == 302
    nibud = ServiceOrganisation.objects.get(code="nibud")
    edit = reverse("registrations:vocabulary_edit", kwargs={"kind": "organisations", "pk": nibud.pk})
    response = client.post(
        edit,
        {
            "label_nl": "Nibud",
            "label_en": "National Institute for Family Finance Information",
            "sort_order": "300",
            "government_layer": "private",
            "kb_category": KbCategory.objects.get(code="kb-org-other").pk,
        },
    )
    assert response.status_code == 302
    page = client.get(edit)
    assert [version["what"] for version in page.context["history"]] == ["Gewijzigd", "Toegevoegd"]
    assert "naam (Engels): National Institute for Family Finance Information" in page.content.decode()

    response = client.post(
        reverse("registrations:vocabulary_retire", kwargs={"kind": "organisations", "pk": nibud.pk}),
        {"retired_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    nibud.refresh_from_db()
    assert nibud.retired_on == timezone.localdate()

    mapping = client.get(reverse("registrations:kb_mapping"))
    form_data = {}
    for _kind, _title, form in mapping.context["lists"]:
        for name, field in form.fields.items():
            form_data[f"{form.prefix}-{name}"] = field.initial or ""
    digid = Topic.objects.get(code="digid")
    form_data[f"topics-term_{digid.pk}"] = KbCategory.objects.get(code="kb-topic-other").pk
    response = client.post(reverse("registrations:kb_mapping"), form_data)
    assert response.status_code == 302
    digid.refresh_from_db()
    assert digid.kb_category.code == "kb-topic-other"
    assert ServiceOrganisation.objects.get(code="uwv").kb_category.code == "kb-org-uwv"
