"""Query-string filters of the list endpoints."""

import django_filters

from ido.locations.models import Location, LocationStatus
from ido.organisations.models import Municipality, Province


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
