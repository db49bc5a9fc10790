"""The coordinator's import of historical registrations: upload, a row-by-row report, and a template file."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ido.core.access import permission_required
from ido.registrations import import_services, imports
from ido.registrations.forms import OverviewForm

# The table on the page shows this many problems; a file with more gets the first ones and the count.
MAX_SHOWN_PROBLEMS = 1000
TEMPLATE_FILE_NAME = "ido-registraties-import.csv"


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "A CSV file (UTF-8, separated by semicolons or commas) or an Excel workbook (XLSX), "
            "with the column names in the first row."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > imports.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max)d MB. Split it into smaller files.") % {"max": imports.MAX_MEGABYTES}
            )
        return upload


def _overview_link(result: import_services.ImportResult) -> str:
    url = reverse("registrations:overview")
    first, last = result.first_date, result.last_date
    if first and last and (last - first) <= timedelta(days=OverviewForm.MAX_DAYS):
        url = f"{url}?{urlencode({'start': first.isoformat(), 'end': last.isoformat()})}"
    return url


@permission_required("registrations.import")
def import_visits(request):
    """Upload historical registrations: every row is checked first; one bad row and nothing is imported."""
    form = ImportForm(data=request.POST or None, files=request.FILES or None)
    problems: list[imports.ImportProblem] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = import_services.import_visits(actor=request.membership, file_name=upload.name, content=upload.read())
        if result.ok:
            messages.success(
                request,
                format_html(
                    '{} <a class="utrecht-link" href="{}">{}</a>',
                    _("Imported from %(file)s. Visits: %(visits)d; questions: %(questions)d.")
                    % {"file": upload.name, "visits": result.visits, "questions": result.questions},
                    _overview_link(result),
                    _("See them in the registration figures."),
                ),
            )
            return redirect("registrations:import")
        problems = result.problems
    return render(
        request,
        "registrations/import.html",
        {
            "form": form,
            "problems": problems,
            "shown_problems": problems[:MAX_SHOWN_PROBLEMS],
            "columns": imports.COLUMNS,
            "max_rows": imports.MAX_ROWS,
            "max_megabytes": imports.MAX_MEGABYTES,
        },
    )


@permission_required("registrations.import")
def import_template(request):
    """A CSV file with the header and two example rows, for Excel."""
    lookups = import_services.import_lookups(request.membership)
    response = HttpResponse(
        imports.template_csv(lookups, today=timezone.localdate()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_FILE_NAME}"'
    return response
