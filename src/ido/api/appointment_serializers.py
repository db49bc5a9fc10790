"""What the API shows and takes for consultation hours, their slots and appointments.

The public shapes (consultation hours, slots) hold no personal data. An appointment is shown without the
visitor's name and contact details: those are taken when booking and never given back.
"""

from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ido.api.serializers import MAX_ID, WallClockTimeField
from ido.appointments import services as appointment_services
from ido.appointments import slots as slot_rules
from ido.appointments.models import Appointment, ConsultationHour
from ido.appointments.selectors import hours_bookable_by
from ido.registrations.models import Topic

# The longest period one request for slots may cover, `from` and `to` included: about three months.
MAX_SLOT_DAYS = 92


class TopicReferenceSerializer(serializers.ModelSerializer):
    """A topic by its code, with its labels (GET /api/v1/topics/ lists them all, with a token)."""

    class Meta:
        model = Topic
        fields = ["code", "label_nl", "label_en"]
        read_only_fields = fields


class PublicConsultationHourSerializer(serializers.ModelSerializer):
    """A recurring consultation hour of a provider at an IDO location."""

    # Expects `topics` prefetched and `provider` selected (appointment_selectors.public_consultation_hours).

    location = serializers.PrimaryKeyRelatedField(read_only=True, help_text="The id of the location.")
    provider_name = serializers.CharField(
        source="provider.name", read_only=True, help_text="The organisation that holds the consultation hour."
    )
    topics = TopicReferenceSerializer(many=True, read_only=True, help_text="What visitors can come with.")
    description = serializers.CharField(read_only=True, help_text="What it is for, or empty.")
    what_to_bring = serializers.CharField(read_only=True, help_text="What to bring, or empty.")
    rrule = serializers.SerializerMethodField(
        help_text="When it takes place: an RFC 5545 RRULE value (without `RRULE:`), e.g. `FREQ=WEEKLY;BYDAY=TU`, "
        "with DTSTART `starts_on` at `start_time` in Europe/Amsterdam. Cancelled dates and skipped public holidays "
        "are not in the rule: the slots leave them out."
    )
    ends_on = serializers.DateField(read_only=True, allow_null=True, help_text="The last date, or null: no end.")
    start_time = WallClockTimeField()
    end_time = WallClockTimeField()
    public_booking = serializers.BooleanField(read_only=True, help_text="Citizens can book a slot themselves.")

    class Meta:
        model = ConsultationHour
        fields = [
            "id",
            "location",
            "title",
            "description",
            "what_to_bring",
            "provider_name",
            "topics",
            "rrule",
            "starts_on",
            "ends_on",
            "start_time",
            "end_time",
            "skip_public_holidays",
            "slot_minutes",
            "capacity",
            "booking_mode",
            "public_booking",
            "book_ahead_days",
            "book_until_minutes",
        ]
        read_only_fields = fields

    def get_rrule(self, hour: ConsultationHour) -> str:
        return slot_rules.to_rrule_string(appointment_services.rule_for(hour))


class FreeSlotSerializer(serializers.Serializer):
    """A slot of a consultation hour, with the places still free."""

    starts_at = serializers.DateTimeField(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)
    capacity = serializers.IntegerField(read_only=True, help_text="Places in the slot.")
    free = serializers.IntegerField(read_only=True, help_text="Places still free.")
    bookable = serializers.BooleanField(
        read_only=True,
        help_text="A place can be booked now: the hour takes appointments, the slot is inside its booking window "
        "and a place is free.",
    )


def _days_after(day: date, days: int) -> date:
    """`days` after `day`, or the last date there is."""
    return day + timedelta(days=days) if date.max - day >= timedelta(days=days) else date.max


class SlotPeriodSerializer(serializers.Serializer):
    """The query of the slots: `from` and `to`. Needs the consultation hour in the context (`hour`)."""

    def get_fields(self):
        # Declared here rather than as attributes: `from` is a keyword in Python.
        return {
            "from": serializers.DateField(
                required=False, help_text="The first day (Europe/Amsterdam), e.g. 2026-12-01. Default: today."
            ),
            "to": serializers.DateField(
                required=False,
                help_text=f"The last day, included. Default: `from` plus the hour's `book_ahead_days`. At most "
                f"{MAX_SLOT_DAYS} days from `from` to `to`, both included.",
            ),
        }

    def validate(self, attrs: dict) -> dict:
        hour: ConsultationHour = self.context["hour"]
        start = attrs.get("from") or timezone.localdate()
        end = attrs.get("to") or _days_after(start, min(hour.book_ahead_days, MAX_SLOT_DAYS - 1))
        today = timezone.localdate()
        for name, day in (("from", start), ("to", end)):
            if not slot_rules.within_reach(day, today):
                raise serializers.ValidationError(
                    {
                        name: _("Choose a date between %(first)s and %(last)s.")
                        % {"first": slot_rules.EARLIEST_DATE.year, "last": (today + slot_rules.REACH_AHEAD).year}
                    }
                )
        if end < start:
            raise serializers.ValidationError({"to": _("The date “to” is before the date “from”.")})
        if (end - start).days >= MAX_SLOT_DAYS:
            raise serializers.ValidationError(
                {
                    "to": _("Ask for at most %(days)d days at a time, “from” and “to” included.")
                    % {"days": MAX_SLOT_DAYS}
                }
            )
        return {"start": start, "end": end}


@extend_schema_field({"type": "string", "format": "date-time", "example": "2026-12-08T13:20:00+01:00"})
class OffsetDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date-time with its offset from UTC: a wall-clock time alone is ambiguous once a year, when the
    clocks go back."""

    default_error_messages = {
        "naive": gettext_lazy("Give the time with its offset from UTC, for example 2026-12-08T13:20:00+01:00."),
    }

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        given = value if isinstance(value, datetime) else parse_datetime(value)
        if given is None or given.tzinfo is None:
            self.fail("naive")
        return moment


class AppointmentInputSerializer(serializers.Serializer):
    """A place in a slot, booked for a visitor."""

    # Needs `actor` in the context: the hour is looked up among the hours the actor may book.

    consultation_hour = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text="The id of a consultation hour by appointment at an open location "
        "(GET /api/v1/locations/{location_id}/consultation-hours/).",
    )
    starts_at = OffsetDateTimeField(
        help_text="The start of a slot, as the slots list gives it (GET /api/v1/consultation-hours/{id}/slots/)."
    )
    name = serializers.CharField(
        max_length=appointment_services.MAX_NAME_LENGTH,
        help_text="The visitor's first name or initials, so the provider knows whom to expect. Never a BSN or a "
        "full name with date of birth.",
    )
    phone = serializers.CharField(
        max_length=20,
        allow_blank=True,
        default="",
        help_text="A mobile number for a reminder, or empty. Only with `consent`.",
    )
    email = serializers.EmailField(
        allow_blank=True, default="", help_text="An e-mail address for a reminder, or empty. Only with `consent`."
    )
    consent = serializers.BooleanField(
        default=False,
        help_text="true: the visitor agreed that the phone number or e-mail address is kept for a reminder and "
        "deleted after the appointment (the text read to them is stored with the appointment). Contact details "
        "without consent are refused.",
    )

    def validate_consultation_hour(self, value: int) -> ConsultationHour:
        hour = hours_bookable_by(self.context["actor"]).filter(pk=value).first()
        if hour is None:
            raise serializers.ValidationError(_("There is no consultation hour with this id that can be booked."))
        return hour

    def visitor_details(self) -> appointment_services.VisitorDetails:
        data = self.validated_data
        return appointment_services.VisitorDetails(
            name=data["name"],
            phone=data["phone"],
            email=data["email"],
            consent_text=appointment_services.consent_text() if data["consent"] else "",
            consent_given=data["consent"],
        )


class AppointmentSerializer(serializers.ModelSerializer):
    """An appointment your organisation booked: when and its status, without the visitor's name or details."""

    consultation_hour = serializers.IntegerField(
        source="slot.consultation_hour_id", read_only=True, help_text="The id of the consultation hour."
    )
    starts_at = serializers.DateTimeField(source="slot.starts_at", read_only=True)
    ends_at = serializers.DateTimeField(source="slot.ends_at", read_only=True)
    status_changed_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When it was cancelled or marked, or null."
    )

    class Meta:
        model = Appointment
        fields = [
            "id",
            "consultation_hour",
            "starts_at",
            "ends_at",
            "status",
            "booked_by",
            "created_at",
            "status_changed_at",
        ]
        read_only_fields = fields
