"""The generated documents of a library grant: the municipality's own texts (versioned), the grant decision and
the cooperation agreement made from them (stored, versioned, reproducible, read back from the PDF), who may make
and read them, and that a text can never reach anything but its placeholders."""

import hashlib
import io
from datetime import date
from decimal import Decimal as D

import pypdf
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from ido.core.models import AuditEvent
from ido.funding import document_services, documents, services
from ido.funding.models import DocumentKind, DocumentTemplate, FundingScheme, GeneratedDocument, LibraryGrant
from ido.organisations.models import Municipality
from ido.organisations.roles import Role
from tests.conftest import login_verified
from tests.factories import MunicipalityFactory, MunicipalityOrganisationFactory, membership_for_role
from tests.funding.conftest import make_scheme

pytestmark = pytest.mark.django_db

DECISION, AGREEMENT = DocumentKind.GRANT_DECISION.value, DocumentKind.COOPERATION_AGREEMENT.value


def make_grant(officer, library, *, amount="45000", decide=True, **fields) -> LibraryGrant:
    values = {
        "year": 2026,
        "starts_on": date(2026, 1, 1),
        "ends_on": date(2026, 12, 31),
        "amount": D(amount),
        "activities": "Spreekuren in de centrale bibliotheek en twee wijkvestigingen.",
        "locations": 3,
        "hours_per_week": D("12.5"),
        "promotion": "Campagne in de wijkkranten.",
        "reporting_dates": (date(2026, 7, 1), date(2027, 1, 15)),
        "quality_review": "Certificering volgens het kwaliteitskader.",
        **fields,
    }
    grant = services.save_library_grant(
        actor=officer,
        municipality=officer.organisation.municipality,
        library=library,
        data=services.GrantInput(**values),
    )
    if decide:
        grant = services.decide_grant(actor=officer, grant=grant, on=date(2026, 1, 10))
    return grant


@pytest.fixture
def grant(officer, library, scheme, allocation):
    return make_grant(officer, library)


@pytest.fixture
def coordinator(library):
    return membership_for_role(Role.COORDINATOR, organisation=library)


def pdf_text(content) -> str:
    reader = pypdf.PdfReader(io.BytesIO(bytes(content)))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def generate(client, grant, kind=DECISION):
    return client.post(reverse("funding:grant_documents", kwargs={"pk": grant.pk}), {"kind": kind})


# --- Generating -------------------------------------------------------------------------------------------------


def test_the_officer_generates_a_grant_decision_with_amount_parties_and_period(client, officer, grant):
    login_verified(client, officer.user)
    response = generate(client, grant)
    assert response.status_code == 302
    document = GeneratedDocument.objects.get()
    assert (document.kind, document.version, document.template.version) == (DECISION, 1, 1)
    assert document.template.text == documents.DEFAULT_TEXTS[DECISION]  # the default text became version 1
    assert document.sha256 == hashlib.sha256(bytes(document.pdf)).hexdigest()
    assert document.values["bedrag"] == "€ 45.000,00"
    assert document.values["periode_van"] == "1 januari 2026"
    assert document.values["rapportagedata"] == "1 juli 2026 en 15 januari 2027"
    assert document.values["uren_per_week"] == "12,5"
    text = pdf_text(document.pdf)
    for expected in (
        "€ 45.000,00",
        "Utrecht",
        "Bibliotheek Utrecht",
        "1 januari 2026",
        "31 december 2026",
        "1 juli 2026",
        "Stcrt. 2022, 33992",
        "Spreekuren in de centrale bibliotheek",
    ):
        assert expected in text, expected
    assert "${" not in document.text
    assert AuditEvent.objects.filter(action="funding.document.generated").count() == 1
    assert AuditEvent.objects.filter(action="funding.template.saved").count() == 1


def test_the_cooperation_agreement_names_both_parties_and_the_period(client, officer, grant):
    login_verified(client, officer.user)
    generate(client, grant, AGREEMENT)
    document = GeneratedDocument.objects.get(kind=AGREEMENT)
    text = pdf_text(document.pdf)
    for expected in ("gemeente Utrecht", "Bibliotheek Utrecht", "1 januari 2026", "31 december 2026", "€ 45.000,00"):
        assert expected in text, expected


def test_a_stored_document_is_reproducible_from_its_template_version_and_values(officer, grant):
    first = document_services.generate_document(actor=officer, grant=grant, kind=DECISION, today=date(2026, 1, 10))
    document_services.save_template(
        actor=officer, municipality=grant.municipality, kind=DECISION, text="# Besluit\n\n${gemeente} geeft ${bedrag}."
    )
    grant.amount = D("50000")
    grant.save()
    second = document_services.generate_document(actor=officer, grant=grant, kind=DECISION, today=date(2026, 2, 1))
    assert (first.version, second.version) == (1, 2)
    assert (first.template.version, second.template.version) == (1, 2)
    for document in (first, second):
        document.refresh_from_db()
        assert document.text == documents.fill(document.template.text, document.values)
        assert document.text == documents.refill(document)
    assert first.values["bedrag"] == "€ 45.000,00" and "€ 45.000,00" in pdf_text(first.pdf)
    assert second.text == "# Besluit\n\nUtrecht geeft € 50.000,00."
    assert "Utrecht geeft € 50.000,00." in pdf_text(second.pdf)


def test_the_same_text_renders_the_same_pdf(officer, grant):
    document = document_services.generate_document(actor=officer, grant=grant, kind=DECISION)
    again = documents.document_pdf(kind=document.kind, text=document.text, version=document.version)
    assert hashlib.sha256(again).hexdigest() == document.sha256


def test_a_closed_year_keeps_its_documents_as_they_are(client, officer, grant, utrecht):
    document_services.generate_document(actor=officer, grant=grant, kind=DECISION)
    services.close_year(actor=officer, municipality=utrecht, year=2026)
    login_verified(client, officer.user)
    response = generate(client, grant)
    assert response.status_code == 200 and response.context["form"].errors
    assert GeneratedDocument.objects.count() == 1
    page = client.get(reverse("funding:grant_documents", kwargs={"pk": grant.pk}))
    assert page.context["year_closed"] and b'name="kind"' not in page.content


def test_an_unknown_kind_of_document_is_refused(client, officer, grant):
    login_verified(client, officer.user)
    response = generate(client, grant, "letter")
    assert response.status_code == 200 and response.context["form"].errors["kind"]
    assert not GeneratedDocument.objects.exists()


# --- The municipality's texts -----------------------------------------------------------------------------------


def test_the_officer_edits_a_text_and_each_save_is_a_new_version(client, officer, utrecht):
    login_verified(client, officer.user)
    page = client.get(reverse("funding:templates"))
    assert page.status_code == 200
    sections = {section.kind: section for section in page.context["sections"]}
    assert sections[DECISION].current is None
    assert sections[DECISION].form.initial["text"] == documents.DEFAULT_TEXTS[DECISION]
    assert "${bedrag}" in page.content.decode()  # the placeholders are explained
    url = reverse("funding:templates")
    for text in ("# Besluit\r\n\r\nSubsidie ${bedrag}.", "# Besluit\n\nSubsidie van ${bedrag} aan ${bibliotheek}."):
        assert client.post(url, {"kind": DECISION, f"{DECISION}-text": text}).status_code == 302
    client.post(url, {"kind": DECISION, f"{DECISION}-text": "# Besluit\n\nSubsidie van ${bedrag} aan ${bibliotheek}."})
    versions = list(DocumentTemplate.objects.filter(municipality=utrecht, kind=DECISION).order_by("version"))
    assert [t.version for t in versions] == [1, 2]  # saving the same text again changes nothing
    assert versions[0].text == "# Besluit\n\nSubsidie ${bedrag}."
    assert not DocumentTemplate.objects.filter(kind=AGREEMENT).exists()
    page = client.get(url)
    assert {section.kind: section for section in page.context["sections"]}[DECISION].current.version == 2


@pytest.mark.parametrize("text", ["", "   ", "Subsidie van ${bedrg}.", "Voor ${__class__}.", "x" * 50_001])
def test_a_bad_text_is_refused_with_nothing_saved(client, officer, text):
    login_verified(client, officer.user)
    response = client.post(reverse("funding:templates"), {"kind": DECISION, f"{DECISION}-text": text})
    assert response.status_code == 200
    section = {section.kind: section for section in response.context["sections"]}[DECISION]
    assert section.form.errors["text"]
    assert not DocumentTemplate.objects.exists()


def test_only_the_municipalitys_officer_edits_its_texts(officer, utrecht, coordinator):
    with pytest.raises(PermissionDenied):
        document_services.save_template(actor=coordinator, municipality=utrecht, kind=DECISION, text="Tekst")
    other = MunicipalityFactory(cbs_code="GM0355", name="Zeist")
    with pytest.raises(PermissionDenied):
        document_services.save_template(actor=officer, municipality=other, kind=DECISION, text="Tekst")


def test_the_default_texts_use_every_placeholder_and_only_ours():
    for kind in DocumentKind.values:
        assert documents.unknown_placeholders(documents.DEFAULT_TEXTS[kind]) == []
    used = set().union(
        *(documents.string.Template(text).get_identifiers() for text in documents.DEFAULT_TEXTS.values())
    )
    required = {"gemeente", "bibliotheek", "periode_van", "periode_tot", "bedrag", "activiteiten", "aantal_locaties"}
    required |= {"uren_per_week", "promotie", "rapportagedata", "kwaliteit", "datum", "regeling"}
    assert required <= used and required <= set(documents.PLACEHOLDERS)


@pytest.mark.parametrize(
    ("amount", "text"),
    [("1234.56", "€ 1.234,56"), ("0", "€ 0,00"), ("45000", "€ 45.000,00"), ("1000000.5", "€ 1.000.000,50")],
)
def test_amounts_are_written_the_dutch_way(amount, text):
    assert documents.format_euro(D(amount)) == text


def test_a_text_is_laid_out_as_title_headings_paragraphs_and_lists():
    text = "# Titel\n\n## Kop\nEerste regel\ntweede regel\n- een\n- twee\n\nSlot van € 5,00"
    layout = [(block.kind, block.lines) for block in documents.blocks(text)]
    assert layout == [
        ("h1", ["Titel"]),
        ("h2", ["Kop"]),
        ("p", ["Eerste regel", "tweede regel"]),
        ("ul", ["een", "twee"]),
        ("p", ["Slot van €\u00a05,00"]),
    ]


# --- Template injection -------------------------------------------------------------------------------------------


def test_a_text_reaches_nothing_but_its_placeholders():
    values = {"gemeente": "Utrecht"}
    text = "${gemeente} ${__class__} $gemeente.__class__ {{ settings.SECRET_KEY }} {0.__class__} $5 ${"
    assert documents.fill(text, values) == (
        "Utrecht ${__class__} Utrecht.__class__ {{ settings.SECRET_KEY }} {0.__class__} $5 ${"
    )


def test_django_template_syntax_in_a_text_stays_literal_in_the_document(officer, grant, utrecht):
    text = "# Besluit\n\n${gemeente}: {{ settings.SECRET_KEY }} {% debug %} {{ request.user }}"
    document_services.save_template(actor=officer, municipality=utrecht, kind=DECISION, text=text)
    document = document_services.generate_document(actor=officer, grant=grant, kind=DECISION)
    assert document.text.endswith("Utrecht: {{ settings.SECRET_KEY }} {% debug %} {{ request.user }}")
    pdf = pdf_text(document.pdf)
    assert "{{ settings.SECRET_KEY }}" in pdf and settings.SECRET_KEY not in pdf


def test_an_unknown_placeholder_in_a_stored_text_stays_literal(officer, grant, utrecht):
    # A text saved before the placeholders were checked (or written to the database directly).
    DocumentTemplate.objects.create(municipality=utrecht, kind=DECISION, version=1, text="${__class__} ${bedrag}")
    document = document_services.generate_document(actor=officer, grant=grant, kind=DECISION)
    assert document.text == "${__class__} € 45.000,00"


def test_a_placeholder_in_a_value_is_not_filled_again(officer, library, scheme, allocation):
    grant = make_grant(officer, library, activities="${bedrag} {{ settings.SECRET_KEY }}")
    document = document_services.generate_document(actor=officer, grant=grant, kind=DECISION)
    assert "${bedrag} {{ settings.SECRET_KEY }}" in document.text
    assert settings.SECRET_KEY not in pdf_text(document.pdf)


# --- Who sees what ------------------------------------------------------------------------------------------------


def test_the_coordinator_reads_and_downloads_the_documents_of_a_decided_grant(client, officer, grant, coordinator):
    document = document_services.generate_document(actor=officer, grant=grant, kind=DECISION)
    login_verified(client, coordinator.user)
    page = client.get(reverse("funding:grant_documents", kwargs={"pk": grant.pk}))
    assert page.status_code == 200 and not page.context["may_generate"]
    assert b'name="kind"' not in page.content
    download = client.get(reverse("funding:document_pdf", kwargs={"pk": document.pk}))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download.content == bytes(document.pdf)
    assert generate(client, grant).status_code == 403
    assert GeneratedDocument.objects.count() == 1


def test_the_coordinator_does_not_see_the_documents_of_a_draft_grant(client, officer, library, scheme, coordinator):
    draft = make_grant(officer, library, decide=False)
    document = document_services.generate_document(actor=officer, grant=draft, kind=DECISION)
    login_verified(client, coordinator.user)
    assert client.get(reverse("funding:grant_documents", kwargs={"pk": draft.pk})).status_code == 404
    assert client.get(reverse("funding:document_pdf", kwargs={"pk": document.pk})).status_code == 404


def test_another_municipality_and_another_library_get_not_found(client, officer, grant):
    document = document_services.generate_document(actor=officer, grant=grant, kind=DECISION)
    zeist = MunicipalityFactory(cbs_code="GM0355", name="Zeist")
    others = [
        membership_for_role(Role.MUNICIPAL_OFFICER, organisation=MunicipalityOrganisationFactory(municipality=zeist)),
        membership_for_role(Role.COORDINATOR),
    ]
    for member in others:
        login_verified(client, member.user)
        assert client.get(reverse("funding:grant_documents", kwargs={"pk": grant.pk})).status_code == 404
        assert client.get(reverse("funding:document_pdf", kwargs={"pk": document.pk})).status_code == 404
    assert generate(client, grant).status_code == 404


def test_a_national_administrator_and_the_desk_have_no_access(client, officer, national, grant, library):
    document = document_services.generate_document(actor=officer, grant=grant, kind=DECISION)
    for member in (national, membership_for_role(Role.DESK, organisation=library)):
        login_verified(client, member.user)
        assert client.get(reverse("funding:grant_documents", kwargs={"pk": grant.pk})).status_code == 403
        assert client.get(reverse("funding:document_pdf", kwargs={"pk": document.pk})).status_code == 403
        assert client.get(reverse("funding:templates")).status_code == 403


def test_the_documents_page_lists_every_version_without_loading_the_pdfs(
    client, officer, grant, django_assert_max_num_queries
):
    for kind in (DECISION, DECISION, AGREEMENT):
        document_services.generate_document(actor=officer, grant=grant, kind=kind)
    login_verified(client, officer.user)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("funding:grant_documents", kwargs={"pk": grant.pk}))
    sections = {section.kind: section for section in page.context["sections"]}
    assert [d.version for d in sections[DECISION].documents] == [2, 1]
    assert [d.version for d in sections[AGREEMENT].documents] == [1]


# --- Objects for the permission matrix (funding-documents rows) -----------------------------------------------------


def _matrix_scheme(w) -> FundingScheme:
    national = w.members[Role.NATIONAL_ADMIN.value]
    return FundingScheme.objects.filter(year=2026).first() or make_scheme(national, year=2026)


def matrix_year(w) -> dict:
    """A year with a grant, for the account exports of the world's municipality."""
    return {"year": _matrix_scheme(w).year}


def _matrix_document(officer, library, activities: str) -> GeneratedDocument:
    document = GeneratedDocument.objects.filter(grant__library=library, grant__activities=activities).first()
    if document is None:
        grant = make_grant(officer, library, activities=activities)
        document = document_services.generate_document(actor=officer, grant=grant, kind=DECISION)
    return document


def matrix_document(w) -> GeneratedDocument:
    """A decided grant of the world's municipality to library A, with a generated grant decision."""
    _matrix_scheme(w)
    return _matrix_document(w.members[Role.MUNICIPAL_OFFICER.value], w.library_a, "Matrix: eigen")


def matrix_foreign_document(w) -> GeneratedDocument:
    """Another municipality's decided grant to library B, with a generated grant decision."""
    _matrix_scheme(w)
    existing = GeneratedDocument.objects.filter(grant__library=w.library_b, grant__activities="Matrix: elders").first()
    if existing is not None:
        return existing
    other = Municipality.objects.filter(cbs_code="GM0355").first() or MunicipalityFactory(cbs_code="GM0355")
    w.library_b.served_municipalities.add(other)
    officer = membership_for_role(
        Role.MUNICIPAL_OFFICER, organisation=MunicipalityOrganisationFactory(municipality=other)
    )
    return _matrix_document(officer, w.library_b, "Matrix: elders")


def test_the_matrix_objects_belong_where_the_matrix_says(db):
    from tests.test_permission_matrix import build_world

    w = build_world()
    own, foreign = matrix_document(w), matrix_foreign_document(w)
    assert own.grant.municipality == w.municipality and own.grant.library == w.library_a
    assert foreign.grant.municipality != w.municipality and foreign.grant.library == w.library_b
    assert (matrix_document(w), matrix_foreign_document(w)) == (own, foreign)  # asked again: the same objects
