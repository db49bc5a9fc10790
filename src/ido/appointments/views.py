from datetime import date, datetime, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ido.appointments import calendars, selectors, services
from ido.appointments.forms import BookingForm, ConsultationHourForm
from ido.appointments.models import BookingMode, ConsultationHour
from ido.core.access import permission_required
from ido.core.forms import apply_validation_error
from ido.locations.models import Location
from ido.locations.selectors import locations_manageable_by


@permission_required("appointments.view")
def hour_list(request):
    hours = selectors.consultation_hours_for(request.membership).order_by("location__name", "title")
    return render(request, "appointments/hour_list.html", {"hours": hours})


@permission_required("appointments.manage_hours")
def hour_new(request):
    actor = request.membership
    form = ConsultationHourForm(
        data=request.POST if request.method == "POST" else None,
        locations=locations_manageable_by(actor).order_by("name"),
        providers=selectors.possible_providers(actor),
        initial={"starts_on": timezone.localdate(), "provider": actor.organisation},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        location = data.pop("location")
        data["weekdays"] = tuple(data["weekdays"])
        try:
            hour = services.create_consultation_hour(
                actor=actor, location=location, data=services.ConsultationHourInput(**data)
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The consultation hour “%(title)s” has been added.") % {"title": hour.title})
            return redirect("appointments:hour", pk=hour.pk)
    return render(request, "appointments/hour_form.html", {"form": form})


@permission_required("appointments.view")
def hour_detail(request, pk: int):
    """A consultation hour with its slots of the next two weeks and the places still free."""
    hour = get_object_or_404(selectors.consultation_hours_for(request.membership), pk=pk)
    today = timezone.localdate()
    slots = selectors.slots_with_places(hour, today, today + timedelta(days=13))
    can_book = request.membership.has_perm("appointments.book") and hour.booking_mode == BookingMode.APPOINTMENT
    return render(
        request,
        "appointments/hour_detail.html",
        {
            "hour": hour,
            "slots": slots,
            "can_book": can_book,
            "figures": selectors.attendance_figures(hour),
            "location_feed_token": calendars.location_feed_token(hour.location_id),
        },
    )


@permission_required("appointments.book")
def hour_book(request, pk: int):
    """Book a slot of this consultation hour for a visitor at the desk."""
    actor = request.membership
    hour = get_object_or_404(selectors.consultation_hours_for(actor), pk=pk)
    today = timezone.localdate()
    slots = [
        slot
        for slot in selectors.slots_with_places(hour, today, today + timedelta(days=hour.book_ahead_days))
        if slot.bookable and slot.free > 0
    ]
    form = BookingForm(
        data=request.POST if request.method == "POST" else None,
        initial={"slot": request.GET.get("slot")},
        slots=slots,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appointment = services.book(
                actor=actor,
                consultation_hour=hour,
                starts_at=datetime.fromisoformat(data["slot"]),
                details=services.VisitorDetails(
                    name=data["name"],
                    phone=data["phone"],
                    email=data["email"],
                    consent_text=str(services.CONSENT_TEXT) if data["consent"] else "",
                    consent_given=data["consent"],
                ),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The appointment has been booked."))
            return redirect("appointments:appointment", pk=appointment.pk)
    return render(
        request,
        "appointments/book.html",
        {"hour": hour, "form": form, "has_slots": bool(slots), "consent_text": services.CONSENT_TEXT},
    )


@permission_required("appointments.view")
def appointment_detail(request, pk: int):
    """The appointment card: when, where, what to bring. Reading it is audited (it shows personal data)."""
    appointment = get_object_or_404(selectors.appointments_visible_to(request.membership), pk=pk)
    services.read_appointment(actor=request.membership, appointment=appointment)
    return render(request, "appointments/appointment.html", {"appointment": appointment})


@permission_required("appointments.view")
def day_list(request):
    """The appointments of one day: who is expected when; the provider marks who came."""
    try:
        day = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = timezone.localdate()
    appointments = list(selectors.day_list(request.membership, day))
    for appointment in appointments:
        services.read_appointment(actor=request.membership, appointment=appointment)
    return render(
        request,
        "appointments/day.html",
        {
            "day": day,
            "appointments": appointments,
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "now": timezone.now(),
        },
    )


@require_POST
@permission_required("appointments.mark")
def appointment_mark(request, pk: int):
    appointment = get_object_or_404(selectors.appointments_visible_to(request.membership), pk=pk)
    try:
        services.mark_attendance(
            actor=request.membership, appointment=appointment, attended=request.POST.get("attended") == "yes"
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Saved."))
    day = timezone.localtime(appointment.slot.starts_at).date()
    return redirect(f"{reverse('appointments:day')}?date={day.isoformat()}")


def _ics(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}.ics"'
    return response


def hour_feed(request, token: str):
    """The read-only calendar feed of one consultation hour: a secret URL, no login, no personal data."""
    hour = get_object_or_404(ConsultationHour.objects.select_related("location", "provider"), feed_token=token)
    return _ics(calendars.feed([hour], name=hour.title), f"spreekuur-{hour.pk}")


def location_feed(request, token: str):
    """The read-only calendar feed of every consultation hour at one location."""
    location_id = calendars.location_from_token(token)
    if location_id is None:
        raise Http404
    location = get_object_or_404(Location, pk=location_id)
    hours = ConsultationHour.objects.filter(location=location).select_related("location", "provider")
    return _ics(calendars.feed(hours, name=location.name), f"spreekuren-locatie-{location.pk}")
