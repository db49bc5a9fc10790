"""The lines that describe what a municipality import changed, for the command and the import page."""

from datetime import date

from django.utils.translation import gettext as _

from ido.organisations.models import Municipality, Province
from ido.organisations.services import MunicipalityImportResult


def _show(field: str, value: object) -> str:
    if value is None or value == "":
        return "—"
    if field == "province":
        return f"{value} {Province(value).label}"
    if isinstance(value, date):
        return value.isoformat()  # as in the file
    return str(value)


def change_lines(result: MunicipalityImportResult) -> list[str]:
    """One line per change: "+" new, "~" changed, "-" ended, "?" not in the file, "!" in the file but ended."""
    lines: list[str] = []
    for municipality in result.created:
        lines.append(
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
        lines.append(f"  ~ {change.municipality.cbs_code} {change.municipality.name}: {details}")
    for population in result.populations:
        values = {
            "code": population.municipality.cbs_code,
            "name": population.municipality.name,
            "year": population.year,
            "before": population.before,
            "after": population.after,
        }
        if population.before is None:
            lines.append("  + " + _("inhabitants %(code)s %(name)s %(year)d: %(after)d") % values)
        else:
            lines.append("  ~ " + _("inhabitants %(code)s %(name)s %(year)d: %(before)d → %(after)d") % values)
    for municipality in result.ended:
        lines.append(
            "  - "
            + _("ended (not in file): %(code)s %(name)s, exists until %(date)s")
            % {
                "code": municipality.cbs_code,
                "name": municipality.name,
                "date": _show("valid_until", municipality.valid_until),
            }
        )
    for municipality in result.not_in_file:
        lines.append(
            "  ? "
            + _("not in file, left alone: %(code)s %(name)s")
            % {"code": municipality.cbs_code, "name": municipality.name}
        )
    for municipality in result.listed_but_ended:
        lines.append(
            "  ! "
            + _("in file but ended on %(date)s in the database (end date left alone): %(code)s %(name)s")
            % {
                "code": municipality.cbs_code,
                "name": municipality.name,
                "date": _show("valid_until", municipality.valid_until),
            }
        )
    return lines
