"""The read API. Every queryset comes from a selector, so a token sees what its organisation may see;
anything outside that scope answers 404, as if it did not exist."""

from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics

from ido.api.authentication import ApiActor, ApiTokenAuthentication
from ido.api.filters import LocationFilter, MunicipalityFilter
from ido.api.serializers import (
    ErrorSerializer,
    LocationSerializer,
    MunicipalitySerializer,
    OrganisationSerializer,
)
from ido.locations.models import Location
from ido.locations.selectors import locations_visible_to, with_opening_hours
from ido.organisations.models import Municipality, Organisation
from ido.organisations.selectors import municipalities_visible_to, organisations_visible_to

CBS_CODE_PATTERN = r"^GM[0-9]{4}$"

UNAUTHORISED = OpenApiResponse(ErrorSerializer, description="No token, or an invalid or revoked one.")
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="Not found, or not visible to this token.")
PAGE_NOT_FOUND = OpenApiResponse(ErrorSerializer, description="The page number is past the last page.")
INVALID_FILTER = OpenApiResponse(
    OpenApiTypes.OBJECT, description="A filter has an invalid value: field name → list of messages."
)


class TokenApiView(generics.GenericAPIView):
    """Requests read through get_queryset(), which asks the selectors. The empty `queryset` on each view only
    tells the schema generator the model: it has no request, so no token to scope by."""

    authentication_classes = [ApiTokenAuthentication]

    @property
    def actor(self) -> ApiActor:
        return self.request.user.actor

    def permission_denied(self, request, message=None, code=None):
        if request.authenticators and not request.successful_authenticator:
            raise exceptions.NotAuthenticated(_("Send an API token in the header: Authorization: Token <key>."))
        super().permission_denied(request, message=message, code=code)


@extend_schema_view(
    get=extend_schema(
        summary="List municipalities",
        responses={
            200: MunicipalitySerializer(many=True),
            400: INVALID_FILTER,
            401: UNAUTHORISED,
            404: PAGE_NOT_FOUND,
        },
    )
)
class MunicipalityList(TokenApiView, generics.ListAPIView):
    queryset = Municipality.objects.none()
    serializer_class = MunicipalitySerializer
    filterset_class = MunicipalityFilter

    def get_queryset(self):
        return municipalities_visible_to(self.actor).order_by("name", "cbs_code")


@extend_schema_view(
    get=extend_schema(
        summary="One municipality",
        parameters=[
            OpenApiParameter(
                "cbs_code",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                pattern=CBS_CODE_PATTERN,
                description="The CBS code: GM and four digits, e.g. GM0344.",
            )
        ],
        responses={200: MunicipalitySerializer, 401: UNAUTHORISED, 404: NOT_FOUND},
    )
)
class MunicipalityDetail(TokenApiView, generics.RetrieveAPIView):
    queryset = Municipality.objects.none()
    serializer_class = MunicipalitySerializer
    lookup_field = "cbs_code"

    def get_queryset(self):
        return municipalities_visible_to(self.actor)


@extend_schema_view(
    get=extend_schema(
        summary="The token's own organisation",
        responses={200: OrganisationSerializer, 401: UNAUTHORISED},
    )
)
class OwnOrganisation(TokenApiView, generics.RetrieveAPIView):
    queryset = Organisation.objects.none()
    serializer_class = OrganisationSerializer

    def get_object(self):
        organisations = organisations_visible_to(self.actor).prefetch_related("served_municipalities")
        return get_object_or_404(organisations, pk=self.actor.organisation.pk)


@extend_schema_view(
    get=extend_schema(
        summary="List IDO locations",
        description="The locations visible to the token: a library's own, those in a municipality, or all "
        "for a national body.",
        responses={
            200: LocationSerializer(many=True),
            400: INVALID_FILTER,
            401: UNAUTHORISED,
            404: PAGE_NOT_FOUND,
        },
    )
)
class LocationList(TokenApiView, generics.ListAPIView):
    queryset = Location.objects.none()
    serializer_class = LocationSerializer
    filterset_class = LocationFilter

    def get_queryset(self):
        return with_opening_hours(locations_visible_to(self.actor)).order_by("name", "id")


@extend_schema_view(
    get=extend_schema(
        summary="One IDO location",
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: LocationSerializer, 401: UNAUTHORISED, 404: NOT_FOUND},
    )
)
class LocationDetail(TokenApiView, generics.RetrieveAPIView):
    queryset = Location.objects.none()
    serializer_class = LocationSerializer
    lookup_url_kwarg = "id"
    lookup_field = "pk"

    def get_queryset(self):
        return with_opening_hours(locations_visible_to(self.actor))


def not_found(request):
    """Unknown paths under /api/v1/ answer in JSON, like the rest of the API."""
    return JsonResponse({"detail": _("Not found.")}, status=404)
