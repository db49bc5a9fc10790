"""What the API shows. Field names are the model's (see the glossary in docs/product.md)."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ido.locations.models import Location, OpeningException, OpeningHours, Weekday
from ido.organisations.models import Municipality, Organisation


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
