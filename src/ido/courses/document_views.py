"""Documents and figures of the courses module: the confirmation card and the certificate of an enrolment (PDF),
and the anonymous figures of the sessions."""

from datetime import date

from django import forms
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from ido.appointments.forms import validate_reachable
from ido.core.access import permission_required
from ido.courses import documents, figures, selectors, services


def _visible_enrolment(request, pk: int):
    enrolments = selectors.enrolments_visible_to(request.membership).select_related("session__course__provider")
    return get_object_or_404(enrolments, pk=pk)


def _unavailable(request, enrolment, *, title: str, message: str):
    """Not a document for this enrolment: say why, as a page (nothing personal in it, so nothing is read)."""
    context = {"title": title, "message": message, "enrolment": enrolment}
    return render(request, "courses/documents/unavailable.html", context, status=404)


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@never_cache  # it carries the person's name and their personal link: no copy in a browser or proxy cache
@permission_required("courses.view")
def enrolment_card(request, pk: int):
    """The confirmation card to print and hand to the visitor: the course, the place, every meeting and their own
    page. It shows personal data: the reading is audited."""
    enrolment = _visible_enrolment(request, pk)
    refusal = documents.card_refusal(enrolment)
    if refusal:
        return _unavailable(request, enrolment, title=_("No card for this enrolment"), message=refusal)
    services.read_enrolments(actor=request.membership, enrolments=[enrolment])
    return _pdf_response(documents.enrolment_card_pdf(enrolment), f"cursus-{enrolment.pk}.pdf")


@never_cache  # it carries the person's name
@permission_required("courses.view")
def enrolment_certificate(request, pk: int):
    """The certificate of someone who completed the course (by the course's rule), while their name is kept."""
    enrolment = _visible_enrolment(request, pk)
    now = timezone.now()
    refusal = documents.certificate_refusal(enrolment, now=now)
    if refusal:
        return _unavailable(request, enrolment, title=_("No certificate for this enrolment"), message=refusal)
    services.read_enrolments(actor=request.membership, enrolments=[enrolment])
    return _pdf_response(documents.certificate_pdf(enrolment, now=now), f"certificaat-{enrolment.pk}.pdf")


class PeriodForm(forms.Form):
    """The period of the figures: the sessions whose first meeting lies in it."""

    start = forms.DateField(
        label=gettext_lazy("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_reachable],
    )
    end = forms.DateField(
        label=gettext_lazy("Up to and including"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_reachable],
    )

    MAX_DAYS = 3 * 366

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end date is before the start date."))
            elif (end - start).days > self.MAX_DAYS:
                self.add_error("end", _("Choose a period of at most three years."))
        return cleaned


@permission_required("courses.figures")
def course_figures(request):
    """Anonymous figures per course and location for a period (default: this calendar year)."""
    today = timezone.localdate()
    default = {"start": date(today.year, 1, 1).isoformat(), "end": date(today.year, 12, 31).isoformat()}
    form = PeriodForm(data=request.GET if request.GET.get("start") else default)
    data = None
    if form.is_valid():
        data = figures.course_figures(request.membership, form.cleaned_data["start"], form.cleaned_data["end"])
    return render(request, "courses/figures.html", {"form": form, "figures": data})
