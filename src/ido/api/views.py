"""The API. Every queryset of the organisations' data comes from a selector, so a token sees what its
organisation may see; anything outside that scope answers 404, as if it did not exist. The national
vocabularies are the same for every token. Writes go through the services."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, permissions, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from ido.api.authentication import ApiActor, ApiClient, ApiTokenAuthentication
from ido.api.filters import LocationFilter, MunicipalityFilter, VisitFilter, VocabularyFilter
from ido.api.serializers import (
    ErrorSerializer,
    HelpGivenSerializer,
    LocationSerializer,
    MunicipalitySerializer,
    OrganisationSerializer,
    ServiceOrganisationSerializer,
    TopicSerializer,
    VisitInputSerializer,
    VisitSerializer,
)
from ido.core import audit
from ido.locations.models import Location
from ido.locations.selectors import locations_visible_to, with_opening_hours
from ido.organisations.models import Municipality, Organisation
from ido.organisations.selectors import municipalities_visible_to, organisations_visible_to
from ido.registrations import services as registration_services
from ido.registrations.models import HelpGiven, ServiceOrganisation, Topic, Visit
from ido.registrations.selectors import visits_visible_to, vocabulary_terms

CBS_CODE_PATTERN = r"^GM[0-9]{4}$"

UNAUTHORISED = OpenApiResponse(ErrorSerializer, description="No token, or an invalid or revoked one.")
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="Not found, or not visible to this token.")
PAGE_NOT_FOUND = OpenApiResponse(ErrorSerializer, description="The page number is past the last page.")
INVALID_FILTER = OpenApiResponse(
    OpenApiTypes.OBJECT, description="A filter has an invalid value: field name → list of messages."
)
INVALID_INPUT = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="The input is refused: field name → list of messages, in the language of the request (Dutch "
    "unless Accept-Language asks otherwise). The messages about one question are under `questions`, keyed by "
    "the question's index (from 0); a term that is retired is a message in the list under `questions`.",
)


class TokenApiView(generics.GenericAPIView):
    """Requests read through get_queryset(), which asks the selectors. The empty `queryset` on each view only
    tells the schema generator the model: it has no request, so no token to scope by."""

    authentication_classes = [ApiTokenAuthentication]

    @property
    def actor(self) -> ApiActor:
        return self.request.user.actor

    def dispatch(self, request, *args, **kwargs):
        # What a token changes is in the audit trail under the token's prefix and organisation.
        with audit.acting_for(self._token_label):
            return super().dispatch(request, *args, **kwargs)

    def _token_label(self) -> str:
        client = getattr(self.request, "user", None)
        return str(client) if isinstance(client, ApiClient) else ""

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


class MayRegisterVisits(permissions.BasePermission):
    """Reading is for any token (it may find nothing); registering only for a token that may."""

    message = gettext_lazy("Only the API token of a library can register visits.")

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or request.user.actor.has_perm("registrations.create")


@extend_schema_view(
    get=extend_schema(
        summary="List your library's visits",
        description="The registered visits of the token's library, newest first, each with its questions "
        "(terms by code). Tokens of other kinds of organisation get an empty list.",
        responses={
            200: VisitSerializer(many=True),
            400: INVALID_FILTER,
            401: UNAUTHORISED,
            404: PAGE_NOT_FOUND,
        },
    ),
    post=extend_schema(
        summary="Register a visit",
        description="Register an anonymous visit with 1 to 10 questions at one of your library's locations. "
        "Terms are given by code and must not be retired; the note must not hold personal data (a BSN, "
        "e-mail address, phone number or IBAN). Another library's location is refused as unknown.",
        request=VisitInputSerializer,
        responses={
            201: VisitSerializer,
            400: INVALID_INPUT,
            401: UNAUTHORISED,
            403: OpenApiResponse(ErrorSerializer, description="The token may not register visits."),
        },
    ),
)
class VisitList(TokenApiView, generics.ListCreateAPIView):
    queryset = Visit.objects.none()
    serializer_class = VisitSerializer
    filterset_class = VisitFilter
    parser_classes = [JSONParser]
    permission_classes = [permissions.IsAuthenticated, MayRegisterVisits]

    def get_queryset(self):
        return visits_visible_to(self.actor).order_by("-occurred_at", "-id")

    def create(self, request, *args, **kwargs):
        parsed = VisitInputSerializer(data=request.data, context={"actor": self.actor})
        parsed.is_valid(raise_exception=True)
        try:
            visit = registration_services.register_visit(
                actor=self.actor, location=parsed.validated_data["location"], data=parsed.visit_input()
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from error
        visit = self.get_queryset().get(pk=visit.pk)
        return Response(self.get_serializer(visit).data, status=status.HTTP_201_CREATED)


def _vocabulary_schema(name: str, serializer):
    return extend_schema_view(
        get=extend_schema(
            summary=f"List the {name}",
            description="A national vocabulary, in its order. Retired terms are included, with the date from "
            "which they cannot be chosen (`retired_on`), so older registrations can be read; `?active=true` "
            "leaves them out.",
            responses={200: serializer(many=True), 401: UNAUTHORISED, 404: PAGE_NOT_FOUND},
        )
    )


class VocabularyList(TokenApiView, generics.ListAPIView):
    filterset_class = VocabularyFilter
    term_order = ("sort_order", "label_nl", "code")

    def get_queryset(self):
        return vocabulary_terms(self.queryset.model).order_by(*self.term_order)


@_vocabulary_schema("topics", TopicSerializer)
class TopicList(VocabularyList):
    queryset = Topic.objects.none()
    serializer_class = TopicSerializer


@_vocabulary_schema("organisations concerned", ServiceOrganisationSerializer)
class ServiceOrganisationList(VocabularyList):
    queryset = ServiceOrganisation.objects.none()
    serializer_class = ServiceOrganisationSerializer


@_vocabulary_schema("kinds of help given", HelpGivenSerializer)
class HelpGivenList(VocabularyList):
    queryset = HelpGiven.objects.none()
    serializer_class = HelpGivenSerializer


@csrf_exempt  # a POST to an unknown path gets the same JSON 404, not the HTML of a failed CSRF check
def not_found(request):
    """Unknown paths under /api/v1/ answer in JSON, like the rest of the API."""
    return JsonResponse({"detail": _("Not found.")}, status=404)
