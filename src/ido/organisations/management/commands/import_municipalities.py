"""manage.py import_municipalities: load the CBS municipality list (bundled 2025 division, or --file)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ido.organisations.municipality_import import BUNDLED_MUNICIPALITIES, read_municipalities_file
from ido.organisations.municipality_import_report import change_lines
from ido.organisations.services import MunicipalityImportResult, import_municipalities


class DryRunRollback(Exception):
    """Raised inside the transaction of a dry run so that nothing is kept."""


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
        for line in change_lines(result):
            out(line)

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
