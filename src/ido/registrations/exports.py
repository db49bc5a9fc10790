"""The coordinator overview as files: CSV (one table, a row per figure) and XLSX (a sheet per breakdown)."""

import csv
import io
import re

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from ido.registrations.selectors import Overview

# The layouts a coordinator can download: our own terms, or the national (KB) categories through the mapping.
LAYOUTS = ("own", "kb")


def _sections(overview: Overview, layout: str = "own"):
    if layout == "kb":
        return [
            (_("KB type of question"), overview.kb_topic),
            (_("KB organisation"), overview.kb_organisation),
            (_("Government layer"), overview.by_layer),
            (_("KB help given"), overview.kb_help),
            (_("Age"), overview.by_age),
            (_("Location"), overview.by_location),
        ]
    return [
        (_("Topic"), overview.by_topic),
        (_("Organisation concerned"), overview.by_organisation),
        (_("Government layer"), overview.by_layer),
        (_("Help given"), overview.by_help),
        (_("Channel"), overview.by_channel),
        (_("Age"), overview.by_age),
        (_("Location"), overview.by_location),
    ]


def overview_csv(overview: Overview, layout: str = "own") -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Breakdown"), _("Value"), _("Number")])
    writer.writerow([_("Total"), _("Visits"), overview.visits])
    writer.writerow([_("Total"), _("Questions"), overview.questions])
    for title, rows in _sections(overview, layout):
        for row in rows:
            writer.writerow([title, row.label, row.count])
    return out.getvalue()


def overview_xlsx(overview: Overview, layout: str = "own") -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = _("Summary")
    summary.append([_("Period"), f"{overview.start:%d-%m-%Y} – {overview.end:%d-%m-%Y}"])
    summary.append([_("Visits"), overview.visits])
    summary.append([_("Questions"), overview.questions])
    for title, rows in _sections(overview, layout):
        # A sheet title cannot hold \ / ? * [ ] or : and has at most 31 characters.
        sheet = book.create_sheet(re.sub(r"[\\/?*\[\]:]", " -", title)[:31])
        sheet.append([title, _("Number")])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([row.label, row.count])
        sheet.column_dimensions["A"].width = 48
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
