"""manage.py import_municipalities: load the CBS municipality list (bundled 2025 division, or --file)."""

from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ido.organisations.models import Municipality, Province
from ido.organisations.municipality_import import BUNDLED_MUNICIPALITIES, read_municipalities_file
from ido.organisations.services import MunicipalityImportResult, import_municipalities


class DryRunRollback(Exception):
    """Raised inside the transaction of a dry run so that nothing is kept."""


def _show(field: str, value: object) -> str:
    if value is None or value == "":
        return "—"
    if field == "province":
        return f"{value} {Province(value).label}"
    if isinstance(value, date):
        return value.isoformat()  # as in the file
    return str(value)


class Command(BaseCommand):
    help = (
        "Import Dutch municipalities from a CBS list (CSV). Every row is checked first; if any row is wrong "
        "nothing is imported. Without --file the bundled list (division of 1 January 2025) is used."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            type=Path,
            default=BUNDLED_MUNICIPALITIES,
            help="CSV with at least the columns cbs_code, name, province_cbs_code; optional province, "
            "valid_from (YYYY-MM-DD), inhabitants, inhabitants_year. Default: the bundled list.",
        )
        parser.add_argument(
            "--end-missing",
            action="store_true",
            help="Give active municipalities that the file does not list an end date (today). "
            "Without it they are only reported.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and show what would change, but save nothing."
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="Language of the report (default: %(default)s).",
        )

    def handle(self, *args, **options):
        with translation.override(options["language"]):
            self._import(path=options["file"], end_missing=options["end_missing"], dry_run=options["dry_run"])

    def _import(self, *, path: Path, end_missing: bool, dry_run: bool) -> None:
        today = timezone.localdate()
        try:
            parsed = read_municipalities_file(path, today=today)
        except FileNotFoundError as error:
            raise CommandError(_("File not found: %(path)s") % {"path": path}) from error
        except UnicodeDecodeError as error:
            raise CommandError(
                _("%(path)s is not a UTF-8 text file (%(error)s).") % {"path": path, "error": error}
            ) from error
        except OSError as error:
            raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": error}) from error

        if parsed.errors:
            bad_rows = len({error.row_number for error in parsed.errors})
            self.stderr.write(_("Errors in %(path)s:") % {"path": path})
            for error in parsed.errors:
                self.stderr.write(f"  {error}")
            raise CommandError(
                ngettext(
                    "%(count)d row contains errors; nothing was imported.",
                    "%(count)d rows contain errors; nothing was imported.",
                    bad_rows,
                )
                % {"count": bad_rows}
            )

        try:
            with transaction.atomic():
                result = import_municipalities(rows=parsed.rows, end_missing=end_missing, today=today, source=path.name)
                if dry_run:
                    raise DryRunRollback
        except DryRunRollback:
            self.stdout.write(self.style.WARNING(_("Dry run: nothing was saved.")))
        self._report(result, rows=len(parsed.rows), end_missing=end_missing)

    def _report(self, result: MunicipalityImportResult, *, rows: int, end_missing: bool) -> None:
        out = self.stdout.write
        for municipality in result.created:
            out(
                "  + "
                + _("new: %(code)s %(name)s (%(province)s)")
                % {
                    "code": municipality.cbs_code,
                    "name": municipality.name,
                    "province": municipality.get_province_display(),
                }
            )
        for change in result.updated:
            details = "; ".join(
                _("%(field)s %(before)s → %(after)s")
                % {
                    "field": Municipality._meta.get_field(name).verbose_name,
                    "before": _show(name, before),
                    "after": _show(name, after),
                }
                for name, (before, after) in change.changes.items()
            )
            out(f"  ~ {change.municipality.cbs_code} {change.municipality.name}: {details}")
        for population in result.populations:
            values = {
                "code": population.municipality.cbs_code,
                "name": population.municipality.name,
                "year": population.year,
                "before": population.before,
                "after": population.after,
            }
            if population.before is None:
                out("  + " + _("inhabitants %(code)s %(name)s %(year)d: %(after)d") % values)
            else:
                out("  ~ " + _("inhabitants %(code)s %(name)s %(year)d: %(before)d → %(after)d") % values)
        for municipality in result.ended:
            out(
                "  - "
                + _("ended (not in file): %(code)s %(name)s, exists until %(date)s")
                % {
                    "code": municipality.cbs_code,
                    "name": municipality.name,
                    "date": _show("valid_until", municipality.valid_until),
                }
            )
        for municipality in result.not_in_file:
            out(
                "  ? "
                + _("not in file, left alone: %(code)s %(name)s")
                % {"code": municipality.cbs_code, "name": municipality.name}
            )
        for municipality in result.listed_but_ended:
            out(
                "  ! "
                + _("in file but ended on %(date)s in the database (end date left alone): %(code)s %(name)s")
                % {
                    "code": municipality.cbs_code,
                    "name": municipality.name,
                    "date": _show("valid_until", municipality.valid_until),
                }
            )

        out(_("%(rows)d municipalities in the file.") % {"rows": rows})
        summary = _("Created %(created)d, updated %(updated)d, unchanged %(unchanged)d.") % {
            "created": len(result.created),
            "updated": len(result.updated),
            "unchanged": len(result.unchanged),
        }
        out(self.style.SUCCESS(summary) if result.changed_anything else summary)
        if result.populations or result.populations_unchanged:
            new = sum(1 for p in result.populations if p.before is None)
            out(
                _("Population figures: %(new)d new, %(changed)d changed, %(unchanged)d unchanged.")
                % {
                    "new": new,
                    "changed": len(result.populations) - new,
                    "unchanged": result.populations_unchanged,
                }
            )
        if end_missing:
            out(_("Ended (not in file): %(count)d.") % {"count": len(result.ended)})
        elif result.not_in_file:
            out(
                _("Not in file: %(count)d (left alone; use --end-missing to give them an end date).")
                % {"count": len(result.not_in_file)}
            )
