from datetime import date, datetime, timedelta

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ido.appointments import calendars, selectors, services
from ido.appointments import slots as slot_rules
from ido.appointments.forms import (
    BookingForm,
    CancelDateForm,
    CancelSeriesForm,
    ConsultationHourChangeForm,
    ConsultationHourForm,
    HostAgreementForm,
)
from ido.appointments.models import BookingMode, ConsultationHour
from ido.core.access import permission_required
from ido.core.forms import apply_validation_error
from ido.locations.models import Location
from ido.locations.selectors import locations_manageable_by
from ido.organisations.models import OrganisationKind


@permission_required("appointments.view")
def hour_list(request):
    hours = selectors.consultation_hours_for(request.membership).order_by("location__name", "title")
    return render(request, "appointments/hour_list.html", {"hours": hours})


@permission_required("appointments.manage_hours")
def hour_new(request):
    actor = request.membership
    form = ConsultationHourForm(
        data=request.POST if request.method == "POST" else None,
        locations=selectors.hour_locations_for(actor).order_by("name"),
        providers=selectors.possible_providers(actor),
        initial={"starts_on": timezone.localdate(), "provider": actor.organisation},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        location = data.pop("location")
        data["weekdays"] = tuple(data["weekdays"])
        data["topics"] = tuple(data["topics"])
        try:
            hour = services.create_consultation_hour(
                actor=actor, location=location, data=services.ConsultationHourInput(**data)
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The consultation hour “%(title)s” has been added.") % {"title": hour.title})
            return redirect("appointments:hour", pk=hour.pk)
    no_locations = not form.fields["location"].queryset.exists()
    return render(request, "appointments/hour_form.html", {"form": form, "no_locations": no_locations})


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
            "can_manage": request.membership.has_perm("appointments.manage_hours")
            and selectors.may_manage_hour(request.membership, hour),
            "cancelled_dates": hour.cancelled_dates.filter(date__gte=today),
        },
    )


@permission_required("appointments.book")
def hour_book(request, pk: int):
    """Book a slot of this consultation hour for a visitor at the desk."""
    actor = request.membership
    hour = get_object_or_404(selectors.hours_bookable_by(actor), pk=pk)
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
                details=services.VisitorDetails.from_booking_form(data),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The appointment has been booked."))
            return redirect("appointments:appointment", pk=appointment.pk)
    return render(
        request,
        "appointments/book.html",
        {
            "hour": hour,
            "form": form,
            "has_slots": bool(slots),
            "consent_text": services.consent_text(),
            "hour_visible": selectors.consultation_hours_for(actor).filter(pk=hour.pk).exists(),
        },
    )


@permission_required("appointments.view")
def appointment_detail(request, pk: int):
    """The appointment card: when, where, what to bring. Reading it is audited (it shows personal data)."""
    appointment = get_object_or_404(selectors.appointments_visible_to(request.membership), pk=pk)
    services.read_appointment(actor=request.membership, appointment=appointment)
    hour_visible = (
        selectors.consultation_hours_for(request.membership).filter(pk=appointment.slot.consultation_hour_id).exists()
    )
    return render(request, "appointments/appointment.html", {"appointment": appointment, "hour_visible": hour_visible})


@permission_required("appointments.view")
def day_list(request):
    """The appointments of one day: who is expected when; the provider marks who came."""
    try:
        day = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = timezone.localdate()
    if not slot_rules.within_reach(day, timezone.localdate()):
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
            "markable": set(
                selectors.appointments_markable_by(request.membership)
                .filter(pk__in=[appointment.pk for appointment in appointments])
                .values_list("pk", flat=True)
            ),
        },
    )


@require_POST
@permission_required("appointments.mark")
def appointment_mark(request, pk: int):
    appointment = get_object_or_404(selectors.appointments_markable_by(request.membership), pk=pk)
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


def _hour_data(hour: ConsultationHour) -> dict:
    return {
        **{name: getattr(hour, name) for name in services.HOUR_FIELDS},
        "location": hour.location,
        "weekdays": [int(day) for day in hour.weekdays.split(",") if day.strip()],
        "topics": list(hour.topics.all()),
    }


def _report_change(request, result: services.ChangeResult, done: str) -> None:
    messages.success(request, done)
    if result.cancelled:
        messages.warning(
            request,
            _(
                "%(count)s appointments were cancelled. Visitors with a phone number or e-mail address are told "
                "now; %(without)s gave none: call them or expect them at the desk."
            )
            % {"count": len(result.cancelled), "without": len(result.without_contact)},
        )


CONFIRM_SALT = "ido.appointments.confirm-change"


def _affected_context(request, affected) -> dict:
    """The appointments a change would drop, and a signed list of them: the confirm button confirms these."""
    for appointment in affected:
        services.read_appointment(actor=request.membership, appointment=appointment)
    token = signing.dumps(sorted(appointment.pk for appointment in affected), salt=CONFIRM_SALT)
    return {"affected": affected, "confirm_token": token}


def _confirmed_ids(request) -> frozenset[int]:
    """The appointments the coordinator saw and confirmed to cancel (none without the confirm button)."""
    if request.POST.get("confirm") != "yes":
        return frozenset()
    try:
        return frozenset(int(pk) for pk in signing.loads(request.POST.get("confirm_ids", ""), salt=CONFIRM_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return frozenset()


def _manageable_hour(request, pk: int) -> ConsultationHour:
    hour = get_object_or_404(selectors.consultation_hours_for(request.membership), pk=pk)
    if not selectors.may_manage_hour(request.membership, hour):
        raise PermissionDenied
    return hour


def _confirmed_change(request, *, hour, form, template: str, context: dict, change, affected, done: str):
    """Run a change that may drop booked appointments: when it would, list them and ask to confirm first (the
    service refuses without `confirmed`, so nothing changes until the coordinator decides)."""
    if request.method == "POST" and form.is_valid():
        try:
            result = change(confirmed=_confirmed_ids(request))
        except ValidationError as error:
            if "confirmed" in getattr(error, "error_dict", {}):
                context |= _affected_context(request, affected())
            else:
                apply_validation_error(form, error)
        else:
            _report_change(request, result, done)
            return redirect("appointments:hour", pk=hour.pk)
    return render(request, template, context)


@permission_required("appointments.manage_hours")
def hour_edit(request, pk: int):
    """Change a series. When booked appointments would be dropped, the page lists them and asks to confirm."""
    actor = request.membership
    hour = _manageable_hour(request, pk)
    form = ConsultationHourChangeForm(
        data=request.POST if request.method == "POST" else None,
        locations=selectors.hour_locations_for(actor).order_by("name"),
        providers=selectors.possible_providers(actor),
        initial=_hour_data(hour),
    )

    def change_input() -> tuple:
        data = dict(form.cleaned_data)
        location, reason = data.pop("location"), data.pop("reason")
        data["weekdays"] = tuple(data["weekdays"])
        data["topics"] = tuple(data["topics"])
        return location, reason, services.ConsultationHourInput(**data)

    def change(confirmed: frozenset[int]):
        location, reason, data = change_input()
        return services.update_consultation_hour(
            actor=actor, hour=hour, location=location, data=data, reason=reason, confirmed=confirmed
        )

    def affected():
        location, _reason, data = change_input()
        rule = services.rule_from_input(data, frozenset(hour.cancelled_dates.values_list("date", flat=True)))
        return services.bookings_affected_by_change(hour, location=location, rule=rule)

    return _confirmed_change(
        request,
        hour=hour,
        form=form,
        template="appointments/hour_edit.html",
        context={"form": form, "hour": hour},
        change=change,
        affected=affected,
        done=_("The consultation hour has been changed."),
    )


@permission_required("appointments.manage_hours")
def hour_cancel_date(request, pk: int):
    """The series does not take place on one date; the bookings on it are cancelled after confirmation."""
    hour = _manageable_hour(request, pk)
    form = CancelDateForm(data=request.POST if request.method == "POST" else None)
    return _confirmed_change(
        request,
        hour=hour,
        form=form,
        template="appointments/hour_cancel.html",
        context={"form": form, "hour": hour, "kind": "date"},
        change=lambda confirmed: services.cancel_date(
            actor=request.membership,
            hour=hour,
            day=form.cleaned_data["date"],
            reason=form.cleaned_data["reason"],
            confirmed=confirmed,
        ),
        affected=lambda: services.bookings_on(hour, form.cleaned_data["date"]),
        done=_("The date has been cancelled."),
    )


@permission_required("appointments.manage_hours")
def hour_cancel(request, pk: int):
    """Stop the series; its future bookings are cancelled after confirmation."""
    hour = _manageable_hour(request, pk)
    form = CancelSeriesForm(data=request.POST if request.method == "POST" else None)
    return _confirmed_change(
        request,
        hour=hour,
        form=form,
        template="appointments/hour_cancel.html",
        context={"form": form, "hour": hour, "kind": "series"},
        change=lambda confirmed: services.cancel_series(
            actor=request.membership, hour=hour, reason=form.cleaned_data["reason"], confirmed=confirmed
        ),
        affected=lambda: services.future_bookings(hour),
        done=_("The consultation hour has been cancelled."),
    )


@permission_required("appointments.host")
def hosting(request):
    """Which partners may add their own consultation hours at the library's locations."""
    actor = request.membership
    form = HostAgreementForm(
        data=request.POST if request.method == "POST" else None,
        locations=locations_manageable_by(actor).order_by("name"),
        partners=selectors.possible_providers(actor).filter(kind=OrganisationKind.PARTNER),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.agree_to_host(actor=actor, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The partner can now add its own consultation hours there."))
            return redirect("appointments:hosting")
    agreements = selectors.host_agreements_for(actor).order_by("location__name", "provider__name")
    return render(request, "appointments/hosting.html", {"form": form, "agreements": agreements})


@require_POST
@permission_required("appointments.host")
def hosting_end(request, pk: int):
    agreement = get_object_or_404(selectors.host_agreements_for(request.membership), pk=pk)
    services.end_hosting(actor=request.membership, agreement=agreement)
    messages.success(request, _("The partner can no longer add consultation hours there. Its hours stay."))
    return redirect("appointments:hosting")
