"""What the API shows and takes. Field names are the model's (see the glossary in docs/product.md)."""

import re
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ido.locations.models import Location, OpeningException, OpeningHours, Weekday
from ido.locations.selectors import locations_visible_to
from ido.organisations.models import Municipality, Organisation
from ido.registrations import rules
from ido.registrations.models import (
    AgeBand,
    Channel,
    DurationBand,
    HelpGiven,
    Question,
    ServiceOrganisation,
    Topic,
    Visit,
    YesNoUnknown,
)
from ido.registrations.services import MAX_QUESTIONS, QuestionInput, VisitInput


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
        "example": "09:30",
        "description": "Wall-clock time in Europe/Amsterdam, HH:MM.",
    }
)
class WallClockTimeField(serializers.TimeField):
    """HH:MM without an offset: opening hours are local times. (OpenAPI's "time" format would demand an
    offset, which a weekly time cannot have across daylight saving time.)"""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", read_only=True, **kwargs)


def optional_text(description: str) -> serializers.CharField:
    """A text that may be empty. Declared as a plain string: "format: email" or "uri" would reject ""."""
    return serializers.CharField(read_only=True, help_text=description)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Why the request failed.")


class MunicipalitySerializer(serializers.ModelSerializer):
    province_name = serializers.CharField(source="get_province_display", read_only=True)

    class Meta:
        model = Municipality
        fields = ["cbs_code", "name", "province", "province_name", "valid_from", "valid_until"]
        read_only_fields = fields


class OrganisationSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(
        slug_field="cbs_code",
        read_only=True,
        allow_null=True,
        help_text="For a municipality: its CBS code. Otherwise null.",
    )
    served_municipalities = serializers.SerializerMethodField(
        help_text="For a library: the CBS codes of the municipalities it serves. Otherwise empty."
    )
    email = optional_text("E-mail address, or empty.")
    phone = optional_text("Phone number, or empty.")
    website = optional_text("Website address (URL), or empty.")

    class Meta:
        model = Organisation
        fields = [
            "id",
            "kind",
            "name",
            "municipality",
            "served_municipalities",
            "is_national_partner",
            "email",
            "phone",
            "website",
            "is_active",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField(min_length=6, max_length=6)))
    def get_served_municipalities(self, organisation: Organisation) -> list[str]:
        return sorted(municipality.cbs_code for municipality in organisation.served_municipalities.all())


class LibraryReferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name"]
        read_only_fields = fields


class OpeningHoursSerializer(serializers.ModelSerializer):
    weekday = serializers.ChoiceField(choices=Weekday.choices, read_only=True, help_text="0 is Monday, 6 is Sunday.")
    opens = WallClockTimeField()
    closes = WallClockTimeField()

    class Meta:
        model = OpeningHours
        fields = ["weekday", "opens", "closes"]
        read_only_fields = fields


class OpeningExceptionSerializer(serializers.ModelSerializer):
    opens = WallClockTimeField(
        allow_null=True, help_text="Wall-clock time in Europe/Amsterdam, HH:MM; null when closed all day."
    )
    closes = WallClockTimeField(
        allow_null=True, help_text="Wall-clock time in Europe/Amsterdam, HH:MM; null when closed all day."
    )

    class Meta:
        model = OpeningException
        fields = ["date", "is_closed", "opens", "closes", "reason"]
        read_only_fields = fields


class LocationSerializer(serializers.ModelSerializer):
    library = LibraryReferenceSerializer(read_only=True)
    municipality = serializers.SlugRelatedField(slug_field="cbs_code", read_only=True)
    latitude = serializers.DecimalField(
        max_digits=8, decimal_places=6, coerce_to_string=False, read_only=True, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, coerce_to_string=False, read_only=True, allow_null=True
    )
    languages = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Languages the desk can help in, as ISO 639 codes (nl, en, ar, …).",
    )
    phone = optional_text("Phone number, or empty.")
    email = optional_text("E-mail address, or empty.")
    opening_hours = OpeningHoursSerializer(many=True, read_only=True, help_text="The weekly opening hours.")
    opening_exceptions = serializers.SerializerMethodField(
        help_text="Dates from today on when the weekly hours do not apply."
    )

    class Meta:
        model = Location
        fields = [
            "id",
            "name",
            "library",
            "municipality",
            "status",
            "street",
            "house_number",
            "postcode",
            "city",
            "venue",
            "in_library",
            "latitude",
            "longitude",
            "step_free",
            "hearing_loop",
            "accessible_toilet",
            "quiet_room",
            "languages",
            "staffing",
            "phone",
            "email",
            "open_on_public_holidays",
            "opening_hours",
            "opening_exceptions",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpeningExceptionSerializer(many=True))
    def get_opening_exceptions(self, location: Location) -> list[dict]:
        today = timezone.localdate()
        # Filtered in Python: the rows are prefetched (selectors.with_opening_hours), a .filter() would query.
        upcoming = [row for row in location.opening_exceptions.all() if row.date >= today]
        return OpeningExceptionSerializer(upcoming, many=True).data


# Registrations (outputregistratie) and their national vocabularies.

MAX_ID = 2**31 - 1  # the largest id a database integer holds: larger ones are refused, not looked up
EARLIEST_VISIT_YEAR = rules.EARLIEST_VISIT_YEAR
TERM_CODE = re.compile(r"[-a-zA-Z0-9_]{1,60}")  # the shape of VocabularyTerm.code (a slug of at most 60)


@extend_schema_field({"type": "string", "pattern": "^(yes|no)?$", "example": "yes"})
class YesNoUnknownField(serializers.ChoiceField):
    """yes, no, or empty for unknown. Described by a pattern: as an enum, the schema generator would name the
    one choice set after each field that uses it, and the schema check fails on such warnings."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "yes, no, or empty: unknown.")
        super().__init__(choices=YesNoUnknown.choices, **kwargs)


class TopicSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="The code of the main topic, or null."
    )

    class Meta:
        model = Topic
        fields = ["code", "label_nl", "label_en", "parent", "sort_order", "retired_on"]
        read_only_fields = fields


class ServiceOrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceOrganisation
        fields = ["code", "label_nl", "label_en", "government_layer", "sort_order", "retired_on"]
        read_only_fields = fields


class HelpGivenSerializer(serializers.ModelSerializer):
    class Meta:
        model = HelpGiven
        fields = ["code", "label_nl", "label_en", "link_point", "sort_order", "retired_on"]
        read_only_fields = fields


class QuestionSerializer(serializers.ModelSerializer):
    topic = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="The code of the topic.")
    service_organisation = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="The code of the organisation concerned, or null.",
    )
    help_given = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="The code of the help given."
    )
    solved = YesNoUnknownField(read_only=True)

    class Meta:
        model = Question
        fields = ["position", "topic", "service_organisation", "help_given", "solved"]
        read_only_fields = fields


class VisitSerializer(serializers.ModelSerializer):
    """A registered visit. Who registered it is not shown: the API speaks for the library, not for people."""

    location = serializers.PrimaryKeyRelatedField(read_only=True, help_text="The id of the location.")
    dutch_as_second_language = YesNoUnknownField(read_only=True)
    first_visit = YesNoUnknownField(read_only=True)
    questions = QuestionSerializer(many=True, read_only=True, help_text="In the order they were registered.")

    class Meta:
        model = Visit
        fields = [
            "id",
            "location",
            "occurred_at",
            "channel",
            "duration_band",
            "age_band",
            "dutch_as_second_language",
            "first_visit",
            "note",
            "questions",
            "created_at",
        ]
        read_only_fields = fields


@extend_schema_field({"type": "string", "pattern": "^[-a-zA-Z0-9_]+$", "maxLength": 60})
class TermCodeField(serializers.SlugRelatedField):
    """A term of a national vocabulary, given by its code. Retired terms are found here and refused by the
    registration service, with a message that names them."""

    def __init__(self, model, **kwargs):
        super().__init__(slug_field="code", queryset=model.objects.all(), **kwargs)

    def to_internal_value(self, data):
        # Checked before the query: no code looks otherwise, and PostgreSQL refuses some characters (NUL) outright.
        if not isinstance(data, str) or not TERM_CODE.fullmatch(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class QuestionInputSerializer(serializers.Serializer):
    topic = TermCodeField(
        Topic,
        error_messages={"does_not_exist": _("There is no topic with the code “{value}”.")},
        help_text="The code of a topic (GET /api/v1/topics/).",
    )
    service_organisation = TermCodeField(
        ServiceOrganisation,
        required=False,
        allow_null=True,
        default=None,
        error_messages={"does_not_exist": _("There is no organisation concerned with the code “{value}”.")},
        help_text="The code of the organisation concerned (GET /api/v1/service-organisations/), or null.",
    )
    help_given = TermCodeField(
        HelpGiven,
        error_messages={"does_not_exist": _("There is no help given with the code “{value}”.")},
        help_text="The code of the help given (GET /api/v1/help-given/).",
    )
    solved = YesNoUnknownField(default=YesNoUnknown.UNKNOWN)


class VisitInputSerializer(serializers.Serializer):
    """A visit to register, at one of your library's locations."""

    # Needs `actor` in the context: the location is looked up among the actor's library's locations.
    location = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The id of one of your library's locations."
    )
    occurred_at = serializers.DateTimeField(
        required=False,
        help_text=f"When the visit took place: not in the future, not before {EARLIEST_VISIT_YEAR}. Default: now.",
    )
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.WALK_IN)
    duration_band = serializers.ChoiceField(choices=DurationBand.choices, default=DurationBand.FROM_10_TO_20)
    age_band = serializers.ChoiceField(choices=AgeBand.choices, default=AgeBand.UNKNOWN, help_text="Empty: not asked.")
    dutch_as_second_language = YesNoUnknownField(default=YesNoUnknown.UNKNOWN)
    first_visit = YesNoUnknownField(default=YesNoUnknown.UNKNOWN)
    note = serializers.CharField(
        max_length=Visit._meta.get_field("note").max_length,
        allow_blank=True,
        default="",
        help_text="A few words. Refused when it holds a BSN, e-mail address, phone number or IBAN.",
    )
    # A ListField, not many=True: the schema then shows the limits (minItems, maxItems), and the messages of a
    # question are keyed by its index.
    questions = serializers.ListField(
        child=QuestionInputSerializer(),
        min_length=1,
        max_length=MAX_QUESTIONS,
        help_text=f"1 to {MAX_QUESTIONS} questions, in order.",
    )

    def validate_occurred_at(self, value: datetime) -> datetime:
        # Registration is recent by nature. Before 1940 Amsterdam's offset had seconds (+00:19:32), which
        # RFC 3339 and so the schema's date-time cannot express.
        if value.year < EARLIEST_VISIT_YEAR:
            raise serializers.ValidationError(
                _("Visits before %(year)d cannot be registered.") % {"year": EARLIEST_VISIT_YEAR}
            )
        return value

    def validate_location(self, value: int) -> Location:
        # Another library's location is answered like one that does not exist: the API does not tell.
        actor = self.context["actor"]
        location = locations_visible_to(actor).filter(library=actor.organisation, pk=value).first()
        if location is None:
            raise serializers.ValidationError(_("Your library has no location with this id."))
        return location

    def visit_input(self) -> VisitInput:
        data = self.validated_data
        return VisitInput(
            occurred_at=data.get("occurred_at") or timezone.now(),
            channel=data["channel"],
            duration_band=data["duration_band"],
            age_band=data["age_band"],
            dutch_as_second_language=data["dutch_as_second_language"],
            first_visit=data["first_visit"],
            note=data["note"],
            questions=[QuestionInput(**question) for question in data["questions"]],
        )
