"""Query-string filters of the list endpoints."""

from datetime import UTC, date, datetime, time, timedelta

import django_filters
from django import forms
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field

from ido.api.serializers import MAX_ID
from ido.locations.models import Location, LocationStatus
from ido.organisations.models import Municipality, Province
from ido.registrations.models import Visit


class MunicipalityFilter(django_filters.FilterSet):
    province = django_filters.ChoiceFilter(choices=Province.choices, help_text="A CBS province code, e.g. PV26.")
    name = django_filters.CharFilter(
        lookup_expr="icontains", max_length=100, help_text="Part of the name, in any case."
    )

    class Meta:
        model = Municipality
        fields = ["province", "name"]


class LocationFilter(django_filters.FilterSet):
    municipality = django_filters.CharFilter(
        field_name="municipality__cbs_code",
        max_length=6,
        help_text="The CBS code of the municipality, e.g. GM0344.",
    )
    status = django_filters.ChoiceFilter(choices=LocationStatus.choices)

    class Meta:
        model = Location
        fields = ["municipality", "status"]


@extend_schema_field(
    {"type": "integer", "minimum": 1, "maximum": MAX_ID, "description": "The id of one of your library's locations."}
)
class LocationIdFilter(django_filters.Filter):
    """A location's id: a whole number that fits a database integer. Anything else answers 400, never a query."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


def _start_of_day(day: date) -> datetime | None:
    """Midnight in Europe/Amsterdam as an instant; None when that instant cannot be stored (around year 1 or
    9999): a bound beyond what any stored time can reach is no bound."""
    try:
        return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone()).astimezone(UTC)
    except OverflowError:
        return None


class VisitFilter(django_filters.FilterSet):
    occurred_from = django_filters.DateFilter(
        method="filter_occurred_from",
        help_text="Visits on or after this day (Europe/Amsterdam), e.g. 2026-01-01.",
    )
    occurred_to = django_filters.DateFilter(
        method="filter_occurred_to",
        help_text="Visits on or before this day (Europe/Amsterdam), e.g. 2026-12-31.",
    )
    location = LocationIdFilter(field_name="location_id")

    class Meta:
        model = Visit
        fields = ["occurred_from", "occurred_to", "location"]

    def filter_occurred_from(self, queryset, name, value: date):
        start = _start_of_day(value)
        return queryset if start is None else queryset.filter(occurred_at__gte=start)

    def filter_occurred_to(self, queryset, name, value: date):
        if value == date.max:
            return queryset
        end = _start_of_day(value + timedelta(days=1))
        return queryset if end is None else queryset.filter(occurred_at__lt=end)


class VocabularyFilter(django_filters.FilterSet):
    """For the lists of national terms; the model comes from the view's queryset."""

    active = django_filters.BooleanFilter(
        method="filter_active",
        help_text="true: only the terms that can be chosen today; false: only the retired ones.",
    )

    def filter_active(self, queryset, name, value: bool):
        today = timezone.localdate()
        return queryset.exclude(retired_on__lte=today) if value else queryset.filter(retired_on__lte=today)
