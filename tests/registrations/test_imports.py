"""Coordinators import historical registrations from CSV or XLSX: all or nothing, with a row-by-row report."""

import io
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook

from ido.core.models import AuditEvent
from ido.organisations.roles import Role
from ido.registrations import import_services, imports
from ido.registrations.models import Question, Topic, Visit
from tests.factories import LocationFactory, membership_for_role

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2025, 6, 16, 14, 0, tzinfo=AMSTERDAM)
LOCATION = "Centrale bibliotheek"
HEADER = list(imports.COLUMN_NAMES)


@pytest.fixture
def coordinator():
    return membership_for_role(Role.COORDINATOR)


@pytest.fixture
def location(coordinator):
    return LocationFactory(library=coordinator.organisation, name=LOCATION)


def row(**values) -> dict:
    defaults = {
        "bezoek": "1",
        "datum": "04-03-2024",
        "tijd": "10:15",
        "locatie": LOCATION,
        "kanaal": "Binnengelopen",
        "duur": "10 tot 20 minuten",
        "onderwerp": "DigiD (aanvragen, activeren, app)",
        "organisatie": "Belastingdienst",
        "hulp": "Uitgelegd of gecoacht",
        "opgelost": "ja",
        "leeftijd": "65 of ouder",
        "nt2": "nee",
        "eerste_bezoek": "ja",
        "notitie": "",
    }
    return {**defaults, **values}


def csv_bytes(*rows: dict, header=None, delimiter=";", bom=True) -> bytes:
    header = header or HEADER
    lines = [delimiter.join(header)]
    lines += [delimiter.join(str(r.get(name, "")) for name in header) for r in rows]
    return ("\ufeff" if bom else "").encode() + ("\r\n".join(lines) + "\r\n").encode()


def run(actor, content: bytes, file_name="historie.csv"):
    return import_services.import_visits(actor=actor, file_name=file_name, content=content, now=NOW)


def problems_at(result) -> list[tuple[int, str]]:
    return [(problem.row_number, problem.column) for problem in result.problems]


def assert_nothing_written():
    assert not Visit.objects.exists()
    assert not Question.objects.exists()
    assert not AuditEvent.objects.filter(action="registrations.visits.imported").exists()


# --- Files that import ---


def test_a_semicolon_csv_with_a_byte_order_mark_imports_visits_with_their_questions(coordinator, location):
    content = csv_bytes(
        row(),
        row(onderwerp="Toeslagen", organisatie="", hulp="done-together", opgelost="Nee"),
        row(bezoek="2", datum="2024-03-05", tijd="", kanaal="appointment", duur="Over 40 minutes", leeftijd=""),
    )
    result = run(coordinator, content)

    assert result.ok, result.problems
    assert (result.visits, result.questions, result.rows) == (2, 3, 3)
    first, second = Visit.objects.order_by("occurred_at")
    assert timezone.localtime(first.occurred_at) == datetime(2024, 3, 4, 10, 15, tzinfo=AMSTERDAM)
    assert (first.location, first.library, first.registered_by) == (
        location,
        coordinator.organisation,
        coordinator.user,
    )
    assert (first.channel, first.duration_band, first.age_band) == ("walk_in", "10_20", "65_plus")
    assert (first.dutch_as_second_language, first.first_visit) == ("no", "yes")
    questions = list(first.questions.order_by("position"))
    assert [(q.position, q.topic.code, q.help_given.code, q.solved) for q in questions] == [
        (1, "digid", "explained", "yes"),
        (2, "allowances", "done-together", "no"),
    ]
    assert questions[0].service_organisation.code == "belastingdienst"
    assert questions[1].service_organisation is None
    assert all(q.occurred_at == first.occurred_at and q.library_id == first.library_id for q in questions)
    # No time: 12:00. An empty optional choice stays empty.
    assert timezone.localtime(second.occurred_at) == datetime(2024, 3, 5, 12, 0, tzinfo=AMSTERDAM)
    assert (second.channel, second.duration_band, second.age_band) == ("appointment", "over_40", "")


def test_a_comma_csv_with_english_column_names_and_labels_imports(coordinator, location):
    header = ["Visit", "Date", "Location", "Channel", "Duration", "Topic", "Organisation", "Help given", "Solved"]
    content = (
        "Visit,Date,Location,Channel,Duration,Topic,Organisation,Help given,Solved\n"
        f'7,1-2-2024,{LOCATION.upper()},Phone,Under 10 minutes,"DigiD (apply, activate, app)",UWV,'
        "Could not be helped,Unknown\n"
    ).encode()
    assert content.decode().startswith(",".join(header))
    result = run(coordinator, content)

    assert result.ok, result.problems
    visit = Visit.objects.get()
    assert timezone.localtime(visit.occurred_at) == datetime(2024, 2, 1, 12, 0, tzinfo=AMSTERDAM)
    assert (visit.location, visit.channel, visit.duration_band) == (location, "phone", "under_10")
    question = visit.questions.get()
    assert (question.topic.code, question.service_organisation.code, question.help_given.code) == (
        "digid",
        "uwv",
        "not-helped",
    )
    assert question.solved == ""


def test_an_xlsx_workbook_imports(coordinator, location):
    book = Workbook()
    sheet = book.active
    sheet.append(["Bezoek", "Datum", "Tijd", "Locatie", "Kanaal", "Duur", "Onderwerp", "Hulp", "Opgelost", "NT2"])
    sheet.append([1, date(2024, 3, 4), time(9, 30), LOCATION, "walk_in", "<10", "taxes", "explained", True, "ja"])
    sheet.append([1, date(2024, 3, 4), time(9, 30), LOCATION, "walk_in", "<10", "pension", "self-service", False, "ja"])
    sheet.append([])  # a blank row is skipped
    sheet.append([2, datetime(2024, 3, 6), None, LOCATION, "phone", "20_40", "housing", "explained", None, None])
    buffer = io.BytesIO()
    book.save(buffer)

    result = run(coordinator, buffer.getvalue(), file_name="historie.xlsx")

    assert result.ok, result.problems
    assert (result.visits, result.questions) == (2, 3)
    first = Visit.objects.order_by("occurred_at").first()
    assert timezone.localtime(first.occurred_at) == datetime(2024, 3, 4, 9, 30, tzinfo=AMSTERDAM)
    assert first.dutch_as_second_language == "yes"
    assert [q.solved for q in first.questions.order_by("position")] == ["yes", "no"]


def test_an_import_is_one_audit_event_with_the_counts_and_the_file_name(coordinator, location):
    run(coordinator, csv_bytes(row(), row(onderwerp="taxes"), row(bezoek="2")), file_name="2023-bezoeken.csv")

    event = AuditEvent.objects.get()
    assert event.action == "registrations.visits.imported"
    assert (event.actor, event.organisation) == (coordinator.user, coordinator.organisation)
    assert event.detail["source"] == "2023-bezoeken.csv"
    assert (event.detail["rows"], event.detail["visits"], event.detail["questions"]) == (3, 2, 3)
    assert event.detail["first_date"] == event.detail["last_date"] == "2024-03-04"


def test_thousands_of_rows_import_with_a_handful_of_queries(coordinator, location, django_assert_max_num_queries):
    rows = [row(bezoek=str(n // 2), onderwerp=("digid", "taxes")[n % 2]) for n in range(2000)]
    # No query per row: a few reads, then inserts in batches (SQLite takes about a hundred rows per insert).
    with django_assert_max_num_queries(60):
        result = run(coordinator, csv_bytes(*rows))
    assert (result.visits, result.questions) == (1000, 2000)
    assert Question.objects.filter(position=2).count() == 1000


# --- All or nothing ---


def test_one_bad_row_writes_nothing_and_the_report_names_that_row(coordinator, location):
    content = csv_bytes(row(), row(onderwerp="taxes"), row(bezoek="2"), row(bezoek="3", onderwerp="Belasting"))
    result = run(coordinator, content)

    assert problems_at(result) == [(5, "onderwerp")]
    assert str(result.problems[0]).startswith("Rij 5: ")
    with translation.override("en"):
        assert "onderwerp “Belasting” does not exist" in run(coordinator, content).problems[0].message
    assert_nothing_written()


def test_every_bad_row_is_reported_not_only_the_first(coordinator, location):
    content = csv_bytes(
        row(kanaal="te voet"),
        row(bezoek="2", datum="31-02-2024"),
        row(bezoek="3", tijd="25:00"),
        row(bezoek="4", hulp=""),
    )
    result = run(coordinator, content)
    assert problems_at(result) == [(2, "kanaal"), (3, "datum"), (4, "tijd"), (5, "hulp")]
    assert_nothing_written()


@pytest.mark.parametrize(
    ("values", "column", "text"),
    [
        ({"onderwerp": "Belasting"}, "onderwerp", "onderwerp “Belasting” does not exist"),
        ({"organisatie": "Gemeentehuis"}, "organisatie", "organisatie “Gemeentehuis” does not exist"),
        ({"hulp": "Gebeld"}, "hulp", "hulp “Gebeld” does not exist"),
        ({"duur": "een uur"}, "duur", "duur “een uur” is not one of"),
        ({"opgelost": "misschien"}, "opgelost", "opgelost “misschien” is not one of"),
        ({"locatie": "Filiaal Noord"}, "locatie", "is not a location of your library"),
        ({"datum": "2024/13/01"}, "datum", "is not a date"),
        ({"datum": "04-03-1924"}, "datum", "is before 2000"),
        ({"datum": "17-06-2025"}, "datum", "datum “17-06-2025” is in the future"),
        ({"datum": "16-06-2025", "tijd": "15:30"}, "tijd", "tijd “15:30” is later than now"),
        ({"datum": "16-06-2025", "tijd": "14:03"}, None, None),  # within the slack for clocks that differ
        ({"tijd": "kwart over tien"}, "tijd", "is not a time"),
        ({"notitie": "x" * 201}, "notitie", "longer than 200 characters"),
        ({"kanaal": ""}, "kanaal", "kanaal is empty"),
        ({"bezoek": ""}, "bezoek", "bezoek is empty"),
    ],
)
def test_each_kind_of_wrong_value_is_reported_with_its_row_and_column(coordinator, location, values, column, text):
    LocationFactory(name="Filiaal Noord")  # another library's
    with translation.override("en"):
        result = run(coordinator, csv_bytes(row(), row(**{"bezoek": "2", **values})))
    if column is None:
        assert result.ok, result.problems
        return
    assert problems_at(result) == [(3, column)]
    assert text in result.problems[0].message
    assert_nothing_written()


def test_a_location_of_another_library_is_refused_even_with_its_exact_name(coordinator, location):
    other = LocationFactory(name="IDO Elders")
    result = run(coordinator, csv_bytes(row(locatie=other.name)))
    assert problems_at(result) == [(2, "locatie")]
    assert_nothing_written()


def test_a_closed_location_takes_historical_registrations(coordinator, location):
    location.status = "closed"
    location.save()
    assert run(coordinator, csv_bytes(row())).ok


def test_a_retired_term_is_accepted_for_visits_before_it_was_retired(coordinator, location):
    Topic.objects.filter(code="fines").update(retired_on=date(2024, 3, 1))
    content = csv_bytes(
        row(bezoek="1", datum="29-02-2024", onderwerp="fines"),
        row(bezoek="2", datum="01-03-2024", onderwerp="Boetes en betalingsregelingen"),
        row(bezoek="3", datum="04-03-2024", onderwerp="FINES"),
    )
    with translation.override("en"):
        result = run(coordinator, content)
    assert problems_at(result) == [(3, "onderwerp"), (4, "onderwerp")]
    assert "was retired on 01-03-2024" in result.problems[0].message
    assert_nothing_written()

    assert run(coordinator, csv_bytes(row(datum="29-02-2024", onderwerp="fines"))).ok


@pytest.mark.parametrize("number", ["111222333", "111 222 333", "111.22.2333"])
def test_a_note_with_a_number_that_passes_the_eleven_test_is_refused_without_repeating_it(
    coordinator, location, number
):
    result = run(coordinator, csv_bytes(row(notitie=f"klant {number} geholpen")))
    assert problems_at(result) == [(2, "notitie")]
    assert "BSN" in result.problems[0].message
    assert number not in str(result.problems[0])
    assert_nothing_written()


def test_a_note_with_nine_digits_that_fail_the_eleven_test_is_imported(coordinator, location):
    result = run(coordinator, csv_bytes(row(notitie="formulier 111222334 ingevuld")))
    assert result.ok, result.problems
    assert Visit.objects.get().note == "formulier 111222334 ingevuld"


@pytest.mark.parametrize("note", ["mail jan@example.nl", "bel 06-12345678", "NL91ABNA0417164300"])
def test_other_personal_data_in_a_note_is_refused(coordinator, location, note):
    result = run(coordinator, csv_bytes(row(notitie=note)))
    assert problems_at(result) == [(2, "notitie")]
    assert note.split()[-1] not in str(result.problems[0])


def test_a_wrong_value_that_looks_like_personal_data_is_not_repeated_in_the_report(coordinator, location):
    result = run(coordinator, csv_bytes(row(onderwerp="jan@example.nl")))
    assert problems_at(result) == [(2, "onderwerp")]
    assert "jan@example.nl" not in str(result.problems[0])


@pytest.mark.parametrize(
    ("values", "column"),
    [
        ({"datum": "05-03-2024"}, "datum"),
        ({"tijd": "11:00"}, "tijd"),
        ({"kanaal": "Telefoon"}, "kanaal"),
        ({"leeftijd": "25-44"}, "leeftijd"),
        ({"notitie": "samen met dochter"}, "notitie"),
    ],
)
def test_the_rows_of_one_visit_must_agree_on_the_visit(coordinator, location, values, column):
    with translation.override("en"):
        result = run(coordinator, csv_bytes(row(), row(onderwerp="taxes", **values)))
    assert (3, column) in problems_at(result)
    differs = next(p for p in result.problems if "differs from row 2" in p.message)
    assert differs.column == column
    assert "dochter" not in differs.message  # the values are not repeated: one of them may be a note
    assert_nothing_written()


def test_the_same_visit_written_differently_agrees(coordinator, location):
    content = csv_bytes(row(), row(datum="2024-03-04", kanaal="walk_in", duur="10-20", leeftijd="65+", nt2="no"))
    assert run(coordinator, content).ok


def test_a_visit_has_at_most_ten_questions(coordinator, location):
    rows = [row(bezoek="5") for _ in range(11)]
    with translation.override("en"):
        result = run(coordinator, csv_bytes(*rows))
    assert problems_at(result) == [(12, "bezoek")]
    assert "at most 10 questions" in result.problems[0].message
    assert_nothing_written()

    assert run(coordinator, csv_bytes(*rows[:10])).questions == 10


# --- Files that cannot be read ---


@pytest.mark.parametrize(
    ("header", "text"),
    [
        (["bezoek", "datum", "locatie"], "lacks the column(s) kanaal, duur, onderwerp, hulp"),
        ([*HEADER, "telefoon"], "does not know: telefoon"),
        ([*HEADER, "topic"], "more than once: onderwerp, topic"),
        (["Breakdown", "Value", "Number"], "lacks the column(s) bezoek"),
    ],
)
def test_wrong_column_names_are_reported_on_the_header_row(coordinator, location, header, text):
    with translation.override("en"):
        result = run(coordinator, csv_bytes(row(), header=header))
    assert text in " ".join(problem.message for problem in result.problems)
    assert {problem.row_number for problem in result.problems} == {1}
    assert_nothing_written()


@pytest.mark.parametrize(
    ("content", "text"),
    [
        (b"", "The file is empty."),
        (b"\xef\xbb\xbf\r\n", "The file is empty."),
        (csv_bytes(), "a header but no rows with questions"),
        (csv_bytes(row(), bom=False).decode().replace("ja", "jä").encode("latin-1"), "not a UTF-8 text file"),
        (b"PK\x03\x04 this is no workbook", "cannot be read as CSV or as an Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Excel file (.xls)"),
        (csv_bytes(row()) + b'1;"04-03-2024\r\n', "This row cannot be read"),
        (csv_bytes(row()) + b"2;05-03-2024" + b";x" * 20 + b"\r\n", "fields but the header has 14"),
    ],
)
def test_an_empty_or_unreadable_file_gets_a_clear_message(coordinator, location, content, text):
    with translation.override("en"):
        result = run(coordinator, content)
    assert not result.ok
    assert text in " ".join(problem.message for problem in result.problems)
    assert_nothing_written()


def test_too_many_rows_or_bytes_are_refused(coordinator, location, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    with translation.override("en"):
        result = run(coordinator, csv_bytes(*[row(bezoek=str(n)) for n in range(4)]))
        assert "more than 3 rows" in result.problems[0].message
        assert run(coordinator, csv_bytes(*[row(bezoek=str(n)) for n in range(3)])).ok
        monkeypatch.setattr(imports, "MAX_BYTES", 100)
        assert "larger than" in run(coordinator, csv_bytes(row())).problems[0].message


# --- Who may import ---


def test_desk_staff_may_not_import(location):
    desk = membership_for_role(Role.DESK, organisation=location.library)
    with pytest.raises(PermissionDenied):
        run(desk, csv_bytes(row()))
    assert_nothing_written()


def test_another_librarys_coordinator_cannot_import_into_library_a(coordinator, location):
    other = membership_for_role(Role.COORDINATOR)
    LocationFactory(library=other.organisation, name="Bibliotheek B centrum")
    result = run(other, csv_bytes(row(locatie=LOCATION)))
    assert problems_at(result) == [(2, "locatie")]
    assert_nothing_written()


# --- The page ---


def upload(client, content: bytes, name="historie.csv"):
    return client.post(reverse("registrations:import"), {"file": SimpleUploadedFile(name, content)})


def test_the_page_documents_the_columns_and_offers_the_template(client, as_role):
    as_role(Role.COORDINATOR)
    response = client.get(reverse("registrations:import"))
    assert response.status_code == 200
    page = response.content.decode()
    for name in imports.COLUMN_NAMES:
        assert f"<code>{name}</code>" in page
    assert reverse("registrations:import_template") in page
    assert 'enctype="multipart/form-data"' in page


def test_a_good_file_imports_and_says_how_much_with_a_link_to_the_figures(client, as_role):
    coordinator = as_role(Role.COORDINATOR)
    LocationFactory(library=coordinator.organisation, name=LOCATION)
    response = upload(client, csv_bytes(row(), row(onderwerp="taxes"), row(bezoek="2", datum="01-02-2024")))
    assert response.status_code == 302
    assert response.url == reverse("registrations:import")
    assert Visit.objects.filter(library=coordinator.organisation).count() == 2
    page = client.get(response.url).content.decode()
    assert "historie.csv" in page
    assert ": 2;" in page and ": 3." in page  # visits 2, questions 3
    assert f"{reverse('registrations:overview')}?start=2024-02-01&amp;end=2024-03-04" in page


def test_a_bad_file_shows_the_problems_row_by_row_and_imports_nothing(client, as_role):
    coordinator = as_role(Role.COORDINATOR)
    LocationFactory(library=coordinator.organisation, name=LOCATION)
    response = upload(client, csv_bytes(row(), row(bezoek="2", onderwerp="Belasting"), row(bezoek="3", hulp="")))
    assert response.status_code == 200
    assert [(p.row_number, p.column) for p in response.context["problems"]] == [(3, "onderwerp"), (4, "hulp")]
    page = response.content.decode()
    assert 'role="alert"' in page
    assert 'href="#problem-1"' in page and 'id="problem-1"' in page
    assert "<caption" in page and "Rij 3" in page
    assert not Visit.objects.exists()


def test_a_file_larger_than_the_limit_is_refused_by_the_form(client, as_role, monkeypatch):
    as_role(Role.COORDINATOR)
    monkeypatch.setattr(imports, "MAX_BYTES", 10)
    response = upload(client, csv_bytes(row()))
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert_nothing_written()


def test_the_template_downloads_and_imports_as_it_is(client, as_role):
    coordinator = as_role(Role.COORDINATOR)
    LocationFactory(library=coordinator.organisation, name=LOCATION)
    response = client.get(reverse("registrations:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff" + ";".join(imports.COLUMN_NAMES))
    assert len(text.strip().splitlines()) == 3
    assert upload(client, response.content, name="sjabloon.csv").status_code == 302
    assert Question.objects.filter(visit__library=coordinator.organisation).count() == 2


def test_desk_staff_get_403_on_the_page_and_the_template(client, as_role):
    desk = as_role(Role.DESK)
    LocationFactory(library=desk.organisation, name=LOCATION)
    assert client.get(reverse("registrations:import")).status_code == 403
    assert client.get(reverse("registrations:import_template")).status_code == 403
    assert upload(client, csv_bytes(row())).status_code == 403
    assert_nothing_written()


def test_the_figures_page_links_to_the_import(client, as_role):
    as_role(Role.COORDINATOR)
    assert reverse("registrations:import") in client.get(reverse("registrations:overview")).content.decode()


def test_a_library_without_visitor_characteristics_does_not_store_them_from_a_file(coordinator, location):
    from ido.registrations import services

    services.update_registration_settings(actor=coordinator, ask_visitor_characteristics=False)
    result = run(coordinator, csv_bytes(row(leeftijd="65+", nt2="ja")))
    assert result.ok
    visit = Visit.objects.get()
    assert (visit.age_band, visit.dutch_as_second_language) == ("", "")
