"""manage.py import_municipalities: check everything first, then import in one transaction, idempotently."""

import csv
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from ido.core.models import AuditEvent
from ido.organisations.models import Municipality, MunicipalityPopulation, Province
from ido.organisations.municipality_import import (
    BUNDLED_MUNICIPALITIES,
    parse_municipalities,
    read_municipalities_file,
)

HEADER = "cbs_code,name,province,province_cbs_code,valid_from,inhabitants,inhabitants_year\n"
TODAY = date(2026, 11, 28)


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_municipalities", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def bundled_rows() -> list[dict[str, str]]:
    with open(BUNDLED_MUNICIPALITIES, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_csv(path, rows: list[dict[str, str]]) -> str:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def parse(body: str):
    with translation.override("en"):
        return parse_municipalities(HEADER + body, today=TODAY)


# --- the pure parser -------------------------------------------------------------------------------------


def test_bundled_file_is_clean():
    result = read_municipalities_file(BUNDLED_MUNICIPALITIES, today=TODAY)
    assert result.errors == []
    assert len(result.rows) == 342
    assert len({row.cbs_code for row in result.rows}) == 342
    counts = {code: sum(row.province == code for row in result.rows) for code in Province.values}
    assert counts["PV21"] == 18  # "Friesland" in the file is accepted for Fryslân
    assert counts["PV30"] == 56


def test_good_row_is_parsed():
    result = parse(
        "GM0363,Amsterdam,Noord-Holland,PV27,1970-01-01,931298,2025\nGM1992,Voorne aan Zee,,PV28,2023-01-01,,\n"
    )
    assert result.errors == []
    amsterdam, voorne = result.rows
    assert (amsterdam.row_number, amsterdam.cbs_code, amsterdam.name, amsterdam.province) == (
        2,
        "GM0363",
        "Amsterdam",
        "PV27",
    )
    assert amsterdam.valid_from is None  # the source's placeholder for "before its records start"
    assert (amsterdam.inhabitants, amsterdam.inhabitants_year) == (931298, 2025)
    assert voorne.valid_from == date(2023, 1, 1)
    assert voorne.inhabitants is None


def test_only_required_columns_and_surrounding_spaces():
    result = parse_municipalities("cbs_code, name ,province_cbs_code\n GM0363 , Amsterdam ,PV27\n", today=TODAY)
    assert result.errors == []
    assert result.rows[0].cbs_code == "GM0363"
    assert result.rows[0].name == "Amsterdam"


def test_byte_order_mark_in_header_is_ignored(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_text("cbs_code,name,province_cbs_code\nGM0363,Amsterdam,PV27\n", encoding="utf-8-sig")
    assert read_municipalities_file(path, today=TODAY).errors == []


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("G0363,Amsterdam,,PV27,,,", "CBS code 'G0363' is not GM followed by four digits"),
        ("gm0363,Amsterdam,,PV27,,,", "CBS code 'gm0363' is not GM followed by four digits"),
        ("GM03631,Amsterdam,,PV27,,,", "CBS code 'GM03631' is not GM"),
        (",Amsterdam,,PV27,,,", "CBS code '' is not GM"),
        ("GM0363,,,PV27,,,", "The name is empty."),
        ("GM0363,   ,,PV27,,,", "The name is empty."),
        ("GM0363," + "x" * 101 + ",,PV27,,,", "The name is longer than 100 characters."),
        ("GM0363,Amsterdam,,PV32,,,", "Province code 'PV32' is unknown"),
        ("GM0363,Amsterdam,,27,,,", "Province code '27' is unknown"),
        ("GM0363,Amsterdam,,,,,", "Province code '' is unknown"),
        (
            "GM0363,Amsterdam,Utrecht,PV27,,,",
            "Province 'Utrecht' does not match province code PV27 (Noord-Holland)",
        ),
        (
            "GM0363,Amsterdam,,PV27,01-01-1970,,",
            "valid_from '01-01-1970' is not a date in the form YYYY-MM-DD",
        ),
        ("GM0363,Amsterdam,,PV27,2023-02-30,,", "valid_from '2023-02-30' is not a date"),
        ("GM0363,Amsterdam,,PV27,20230101,,", "valid_from '20230101' is not a date"),
        ("GM0363,Amsterdam,,PV27,1066-10-14,,", "valid_from 1066-10-14 is not plausible"),
        ("GM0363,Amsterdam,,PV27,2031-01-01,,", "valid_from 2031-01-01 is not plausible"),
        ("GM0363,Amsterdam,,PV27,,-5,2025", "inhabitants '-5' is not a whole number of zero or more"),
        ("GM0363,Amsterdam,,PV27,,931.298,2025", "inhabitants '931.298' is not a whole number"),
        ("GM0363,Amsterdam,,PV27,,12.5,2025", "inhabitants '12.5' is not a whole number"),
        ("GM0363,Amsterdam,,PV27,,veel,2025", "inhabitants 'veel' is not a whole number"),
        ("GM0363,Amsterdam,,PV27,,99999999999,2025", "inhabitants '99999999999' is not a whole number"),
        ("GM0363,Amsterdam,,PV27,,931298,", "inhabitants is filled but inhabitants_year is empty"),
        ("GM0363,Amsterdam,,PV27,,,2025", "inhabitants_year is filled but inhabitants is empty"),
        ("GM0363,Amsterdam,,PV27,,931298,25", "inhabitants_year 25 is not plausible"),
        ("GM0363,Amsterdam,,PV27,,931298,2027", "inhabitants_year 2027 is not plausible"),
        ("GM0363,Amsterdam,,PV27,,931298,twee", "inhabitants_year 'twee' is not a year"),
        ("GM0363,Amsterdam,PV27", "This row has 3 fields but the header has 7."),
    ],
)
def test_bad_row_is_reported_with_row_number(row, message):
    result = parse("GM0014,Groningen,Groningen,PV20,,,\n" + row + "\n")
    assert [row.cbs_code for row in result.rows] == ["GM0014"]
    assert len(result.errors) >= 1
    assert {error.row_number for error in result.errors} == {3}
    assert any(message in error.message for error in result.errors), result.errors


def test_all_problems_of_one_row_are_reported():
    result = parse("GM0363,,Utrecht,PV27,1970-13-01,-1,1700\n")
    assert len(result.errors) == 5
    with translation.override("en"):
        assert all(str(error).startswith("Row 2 (GM0363): ") for error in result.errors)


def test_duplicate_code_names_the_first_row():
    result = parse("GM0363,Amsterdam,,PV27,,,\nGM0014,Groningen,,PV20,,,\nGM0363,Amsterdam,,PV27,,,\n")
    with translation.override("en"):
        assert [str(error) for error in result.errors] == [
            "Row 4 (GM0363): CBS code GM0363 appears more than once: also in row 2."
        ]


def test_blank_lines_are_skipped_but_keep_row_numbers():
    result = parse("GM0363,Amsterdam,,PV27,,,\n\nG14,Groningen,,PV20,,,\n")
    assert [error.row_number for error in result.errors] == [4]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty."),
        ("code,name,province_cbs_code\nGM0363,Amsterdam,PV27\n", "lacks the column(s) cbs_code"),
        ("cbs_code,name,name,province_cbs_code\n", "names a column more than once: name"),
        ("cbs_code,name,province_cbs_code\n", "has a header but no municipalities"),
    ],
)
def test_unusable_file(text, message):
    with translation.override("en"):
        result = parse_municipalities(text, today=TODAY)
    assert result.rows == []
    assert len(result.errors) == 1
    assert message in result.errors[0].message


# --- the command -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_bundled_file_imports_342_municipalities():
    out, err = run()

    assert Municipality.objects.count() == 342
    assert "Nieuw 342, bijgewerkt 0, ongewijzigd 0." in out
    assert "nieuw: GM1992 Voorne aan Zee (Zuid-Holland)" in out
    assert err == ""
    amsterdam = Municipality.objects.get(cbs_code="GM0363")
    assert (amsterdam.name, amsterdam.province, amsterdam.valid_from, amsterdam.valid_until) == (
        "Amsterdam",
        Province.NOORD_HOLLAND,
        None,
        None,
    )
    assert Municipality.objects.get(cbs_code="GM1992").valid_from == date(2023, 1, 1)
    assert Municipality.objects.get(cbs_code="GM0080").province == Province.FRYSLAN
    assert Municipality.objects.filter(province=Province.LIMBURG).count() == 31
    event = AuditEvent.objects.get(action="organisations.municipalities.imported")
    assert event.actor is None
    assert event.actor_label == "system"
    assert len(event.detail["created"]) == 342
    assert event.detail["source"] == "municipalities.csv"


@pytest.mark.django_db
def test_second_run_changes_nothing():
    run()
    before = list(Municipality.objects.order_by("cbs_code").values())

    out, _ = run()

    assert "Nieuw 0, bijgewerkt 0, ongewijzigd 342." in out
    assert "~" not in out
    assert list(Municipality.objects.order_by("cbs_code").values()) == before
    assert AuditEvent.objects.filter(action="organisations.municipalities.imported").count() == 2


@pytest.mark.django_db
def test_changed_name_and_province_are_updated_and_reported(tmp_path):
    run()
    rows = bundled_rows()
    for row in rows:
        if row["cbs_code"] == "GM0363":
            row["name"] = "Amsterdam (NH.)"
        if row["cbs_code"] == "GM0014":
            row["province"], row["province_cbs_code"] = "Drenthe", "PV22"
    path = write_csv(tmp_path / "changed.csv", rows)

    out, _ = run("--file", path)

    assert "Nieuw 0, bijgewerkt 2, ongewijzigd 340." in out
    assert "~ GM0363 Amsterdam (NH.): naam Amsterdam → Amsterdam (NH.)" in out
    assert "~ GM0014 Groningen: provincie PV20 Groningen → PV22 Drenthe" in out
    assert Municipality.objects.get(cbs_code="GM0363").name == "Amsterdam (NH.)"
    assert Municipality.objects.get(cbs_code="GM0014").province == Province.DRENTHE
    event = AuditEvent.objects.filter(action="organisations.municipalities.imported").latest("pk")
    assert event.detail["updated"] == {"GM0014": ["province"], "GM0363": ["name"]}


@pytest.mark.django_db
def test_valid_from_is_updated_but_not_cleared(tmp_path):
    run()
    path = tmp_path / "dates.csv"
    path.write_text(HEADER + "GM1992,Voorne aan Zee,,PV28,2023-01-02,,\n", encoding="utf-8")
    out, _ = run("--file", str(path))
    assert "~ GM1992 Voorne aan Zee: bestaat sinds 2023-01-01 → 2023-01-02" in out

    path.write_text(HEADER + "GM1992,Voorne aan Zee,,PV28,,,\n", encoding="utf-8")
    out, _ = run("--file", str(path))
    assert "Nieuw 0, bijgewerkt 0, ongewijzigd 1." in out
    assert Municipality.objects.get(cbs_code="GM1992").valid_from == date(2023, 1, 2)


@pytest.mark.django_db
def test_file_with_bad_rows_imports_nothing_and_reports_every_bad_row(tmp_path):
    run()
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER
        + "GM0363,Amsterdam Nieuw,,PV27,,,\n"  # row 2: fine, but must not be applied
        + "G0363,Amsterdam,,PV27,,,\n"  # row 3: bad code
        + "GM9001,,,PV26,,,\n"  # row 4: empty name
        + "GM9002,Nergenshuizen,,PV99,,,\n"  # row 5: unknown province
        + "GM9003,Ergenshuizen,,PV26,,,\n"  # row 6: fine, new
        + "GM0363,Amsterdam,,PV27,,,\n",  # row 7: duplicate of row 2
        encoding="utf-8",
    )

    with pytest.raises(CommandError, match=r"^4 rijen bevatten fouten; er is niets geïmporteerd\.$"):
        run("--file", str(path))

    assert Municipality.objects.count() == 342
    assert Municipality.objects.get(cbs_code="GM0363").name == "Amsterdam"
    assert not Municipality.objects.filter(cbs_code="GM9003").exists()
    assert AuditEvent.objects.filter(action="organisations.municipalities.imported").count() == 1


@pytest.mark.django_db
def test_report_of_bad_rows_is_dutch_and_names_each_row(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER
        + "G0363,Amsterdam,,PV27,,,\n"
        + "GM9001,,,PV26,,,\n"
        + "GM9002,Nergenshuizen,,PV99,,,\n"
        + "GM9002,Nergenshuizen,,PV26,,,\n",
        encoding="utf-8",
    )
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_municipalities", "--file", str(path), stdout=StringIO(), stderr=err)

    report = err.getvalue().splitlines()
    assert report[0] == f"Fouten in {path}:"
    assert report[1:] == [
        "  Rij 2: CBS-code 'G0363' is niet GM gevolgd door vier cijfers, bijvoorbeeld GM0363.",
        "  Rij 3 (GM9001): De naam is leeg.",
        "  Rij 4 (GM9002): Provinciecode 'PV99' is onbekend; het moet een van PV20 tot en met PV31 zijn.",
        "  Rij 5 (GM9002): CBS-code GM9002 komt meer dan eens voor: ook in rij 4.",
    ]
    assert Municipality.objects.count() == 0


@pytest.mark.django_db
def test_report_in_english_on_request(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "GM9001,,,PV26,,,\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match=r"^1 row contains errors; nothing was imported\.$"):
        call_command("import_municipalities", "--file", str(path), "--language", "en", stderr=err)
    assert "Row 2 (GM9001): The name is empty." in err.getvalue()


@pytest.mark.django_db
def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="Bestand niet gevonden"):
        run("--file", str(tmp_path / "nope.csv"))


@pytest.mark.django_db
def test_file_that_is_not_utf8_is_an_error(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "GM1900,Súdwest-Fryslân,,PV21,,,\n").encode("latin-1"))
    with pytest.raises(CommandError, match="geen UTF-8-tekstbestand"):
        run("--file", str(path))
    assert Municipality.objects.count() == 0


@pytest.mark.django_db
def test_population_is_stored_per_year(tmp_path):
    run()
    path = tmp_path / "population.csv"
    path.write_text(HEADER + "GM0363,Amsterdam,,PV27,,918117,2024\nGM1992,Voorne aan Zee,,PV28,,70000,2024\n")
    out, _ = run("--file", str(path))
    assert "Nieuw 0, bijgewerkt 0, ongewijzigd 2." in out
    assert "+ inwoners GM0363 Amsterdam 2024: 918117" in out
    assert "Inwonertallen: 2 nieuw, 0 gewijzigd, 0 ongewijzigd." in out

    path.write_text(HEADER + "GM0363,Amsterdam,,PV27,,931298,2025\nGM1992,Voorne aan Zee,,PV28,,70000,2024\n")
    out, _ = run("--file", str(path))
    assert "Inwonertallen: 1 nieuw, 0 gewijzigd, 1 ongewijzigd." in out

    path.write_text(HEADER + "GM0363,Amsterdam,,PV27,,931300,2025\n")
    out, _ = run("--file", str(path))
    assert "~ inwoners GM0363 Amsterdam 2025: 931298 → 931300" in out
    assert "Inwonertallen: 0 nieuw, 1 gewijzigd, 0 ongewijzigd." in out

    figures = MunicipalityPopulation.objects.filter(municipality__cbs_code="GM0363")
    assert sorted(figures.values_list("year", "inhabitants")) == [(2024, 918117), (2025, 931300)]
    assert MunicipalityPopulation.objects.filter(municipality__cbs_code="GM1992").count() == 1

    out, _ = run("--file", str(path))
    assert "Inwonertallen: 0 nieuw, 0 gewijzigd, 1 ongewijzigd." in out


@pytest.mark.django_db
def test_municipalities_not_in_file_are_left_alone_without_end_missing(tmp_path):
    run()
    rows = [row for row in bundled_rows() if row["cbs_code"] not in {"GM0363", "GM0014"}]
    path = write_csv(tmp_path / "fewer.csv", rows)

    out, _ = run("--file", path)

    assert "Nieuw 0, bijgewerkt 0, ongewijzigd 340." in out
    assert "? niet in bestand, ongemoeid gelaten: GM0014 Groningen" in out
    assert "? niet in bestand, ongemoeid gelaten: GM0363 Amsterdam" in out
    assert "Niet in bestand: 2 (ongemoeid gelaten;" in out
    assert not Municipality.objects.filter(valid_until__isnull=False).exists()


@pytest.mark.django_db
def test_end_missing_ends_municipalities_not_in_file(tmp_path):
    run()
    rows = [row for row in bundled_rows() if row["cbs_code"] not in {"GM0363", "GM0014"}]
    path = write_csv(tmp_path / "fewer.csv", rows)
    today = timezone.localdate()

    out, _ = run("--file", path, "--end-missing")

    assert f"- beëindigd (niet in bestand): GM0363 Amsterdam, bestaat tot {today.isoformat()}" in out
    assert "Beëindigd (niet in bestand): 2." in out
    ended = Municipality.objects.filter(valid_until__isnull=False)
    assert sorted(ended.values_list("cbs_code", "valid_until")) == [("GM0014", today), ("GM0363", today)]
    event = AuditEvent.objects.filter(action="organisations.municipalities.imported").latest("pk")
    assert event.detail["ended"] == ["GM0014", "GM0363"]

    # Idempotent: ending again changes nothing.
    out, _ = run("--file", path, "--end-missing")
    assert "Beëindigd (niet in bestand): 0." in out
    assert "Nieuw 0, bijgewerkt 0, ongewijzigd 340." in out

    # A list that has them again does not undo an end date, but says so.
    out, _ = run()
    assert "! in bestand maar in de database beëindigd op" in out
    assert Municipality.objects.filter(valid_until__isnull=False).count() == 2


@pytest.mark.django_db
def test_dry_run_saves_nothing():
    out, _ = run("--dry-run")
    assert "Proefrun: er is niets opgeslagen." in out
    assert "Nieuw 342, bijgewerkt 0, ongewijzigd 0." in out
    assert Municipality.objects.count() == 0
    assert not AuditEvent.objects.exists()
