"""Citizens' pages for appointments: no login; the signed link is the key."""

from datetime import date, datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from ido.appointments import calendars, cancel_links, documents, selectors, services
from ido.appointments.models import AppointmentStatus, BookedBy
from ido.appointments.public_forms import CitizenBookingForm
from ido.core.forms import apply_validation_error
from ido.core.ratelimit import public_form_allowed


@never_cache
def cancel(request, token: str):
    """Cancel an appointment by the link on the card or in the e-mail. GET shows what will be cancelled; the
    button (POST) cancels, and the place is free again at once. A damaged link or a started appointment gets a
    clear message and changes nothing."""
    appointment = cancel_links.appointment_from_token(token)
    if appointment is None:
        return render(request, "appointments/public_cancel.html", {"problem": "invalid"}, status=404)
    problem = ""
    if appointment.status == AppointmentStatus.CANCELLED:
        problem = "cancelled"
    elif appointment.status != AppointmentStatus.BOOKED or appointment.slot.starts_at <= timezone.now():
        problem = "started"
    if request.method == "POST" and not problem:
        try:
            services.cancel(actor=None, appointment=appointment, by_link=True)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            problem = "started"
        else:
            return render(request, "appointments/public_cancel.html", {"appointment": appointment, "done": True})
    return render(
        request,
        "appointments/public_cancel.html",
        {"appointment": appointment, "problem": problem},
        status=410 if problem == "started" and request.method == "POST" else 200,
    )


def _chosen_day(request, days) -> date | None:
    try:
        chosen = date.fromisoformat(request.GET.get("date") or request.POST.get("date") or "")
    except ValueError:
        return None
    return chosen if any(day == chosen for day, _slots in days) else None


def book(request, pk: int):
    """A citizen books a consultation hour themselves, where the provider allows it. First a day (a list of
    links), then a time (radio buttons in one group): both work with a keyboard, a screen reader and without
    JavaScript."""
    hour = get_object_or_404(selectors.publicly_bookable_hours(), pk=pk)
    days = selectors.free_days(hour)
    day = _chosen_day(request, days)
    slots = dict(days).get(day, []) if day else []
    form = None
    if day:
        form = CitizenBookingForm(data=request.POST if request.method == "POST" else None, slots=slots)
        if request.method == "POST" and form.is_valid() and public_form_allowed(request, form):
            data = form.cleaned_data
            try:
                appointment = services.book(
                    actor=None,
                    consultation_hour=hour,
                    starts_at=datetime.fromisoformat(data["slot"]),
                    details=services.VisitorDetails.from_booking_form(data),
                    booked_by=BookedBy.CITIZEN,
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                token = cancel_links.cancel_token(appointment)
                return redirect("booking:booked", token=token)
    return render(
        request,
        "appointments/public_book.html",
        {
            "hour": hour,
            "days": days,
            "day": day,
            "form": form,
            "consent_text": services.consent_text(),
        },
    )


@never_cache
def booked(request, token: str):
    """The citizen's confirmation page: the appointment, the calendar file, the card and the cancel link."""
    appointment = cancel_links.appointment_from_token(token)
    if appointment is None:
        raise Http404
    return render(request, "appointments/public_booked.html", {"appointment": appointment, "token": token})


@never_cache
def appointment_calendar(request, token: str):
    """The appointment as a calendar file for the citizen's own agenda (no name in it)."""
    appointment = cancel_links.appointment_from_token(token)
    if appointment is None:
        raise Http404
    response = HttpResponse(calendars.appointment_ics(appointment), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="afspraak.ics"'
    return response


@never_cache
def appointment_card(request, token: str):
    """The printable card for a citizen who booked themselves."""
    appointment = cancel_links.appointment_from_token(token)
    if appointment is None:
        raise Http404
    card = documents.appointment_card_pdf(appointment, with_name=False)
    response = HttpResponse(card, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="afspraak.pdf"'
    return response
