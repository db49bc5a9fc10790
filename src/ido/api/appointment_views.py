"""Consultation hours, their slots and appointments in the API.

Anyone may read the consultation hours at an open location and their free slots, without a token: there is no
personal data in them. A token that may book (a library's) books a visitor into a slot, lists the appointments
its organisation booked and cancels them; the appointment services check the rules and write the audit trail.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, permissions, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from ido.api.appointment_selectors import appointments_booked_by, public_consultation_hours, public_slots
from ido.api.appointment_serializers import (
    AppointmentInputSerializer,
    AppointmentSerializer,
    FreeSlotSerializer,
    PublicConsultationHourSerializer,
    SlotPeriodSerializer,
)
from ido.api.serializers import MAX_ID, ErrorSerializer
from ido.api.views import NOT_FOUND, PAGE_NOT_FOUND, UNAUTHORISED, TokenApiView
from ido.appointments import services as appointment_services
from ido.appointments.models import Appointment, BookedBy, ConsultationHour
from ido.locations.selectors import public_locations


def _id_parameter(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(
        name, {"type": "integer", "minimum": 1, "maximum": MAX_ID}, OpenApiParameter.PATH, description=description
    )


class PublicApiView(generics.GenericAPIView):
    """Open to everyone: no authentication at all, so a token that is sent along is not even looked at."""

    authentication_classes = ()
    permission_classes = [permissions.AllowAny]
    filter_backends = ()


@extend_schema_view(
    get=extend_schema(
        summary="List the consultation hours at a location",
        description="The consultation hours at an open IDO location that are active and have not ended, in order "
        "of title. Public: no token needed, and no personal data.",
        parameters=[_id_parameter("location_id", "The id of an open IDO location.")],
        responses={
            200: PublicConsultationHourSerializer(many=True),
            404: OpenApiResponse(
                ErrorSerializer, description="No open location with this id, or the page is past the last page."
            ),
        },
    )
)
class LocationConsultationHourList(PublicApiView, generics.ListAPIView):
    queryset = ConsultationHour.objects.none()
    serializer_class = PublicConsultationHourSerializer

    def get_queryset(self):
        location = get_object_or_404(public_locations(), pk=self.kwargs["location_id"])
        return public_consultation_hours().filter(location=location).order_by("title", "id")


@extend_schema_view(
    get=extend_schema(
        summary="List the slots of a consultation hour",
        description="The slots from `from` to `to` (local dates, both included), in time order, each with its "
        "free places and whether a place can be booked now. Dates the hour does not take place (cancelled, or a "
        "public holiday it skips) have no slots. Public: no token needed, and no personal data.",
        parameters=[
            _id_parameter("id", "The id of a consultation hour (from the list of its location)."),
            SlotPeriodSerializer,
        ],
        responses={
            200: FreeSlotSerializer(many=True),
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="`from` or `to` is not a date, `to` is before `from`, or the period is longer than "
                "allowed: field name → list of messages.",
            ),
            404: OpenApiResponse(
                ErrorSerializer,
                description="No active consultation hour at an open location with this id, or the page is past "
                "the last page.",
            ),
        },
    )
)
class ConsultationHourSlotList(PublicApiView, generics.ListAPIView):
    queryset = ConsultationHour.objects.none()
    serializer_class = FreeSlotSerializer

    def get_queryset(self):
        hour = get_object_or_404(public_consultation_hours(), pk=self.kwargs["id"])
        period = SlotPeriodSerializer(data=self.request.query_params, context={"hour": hour})
        period.is_valid(raise_exception=True)
        return public_slots(hour, period.validated_data["start"], period.validated_data["end"])


class MayBookAppointments(permissions.BasePermission):
    """Listing is for any token (it may find nothing); booking and cancelling only for a token that may book."""

    message = gettext_lazy("Only the API token of a library can book and cancel appointments.")

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or request.user.actor.has_perm("appointments.book")


# The service speaks of the slot; the API's input names it by its start.
SERVICE_FIELD_NAMES = {"slot": "starts_at"}


def _refusal(error: DjangoValidationError) -> serializers.ValidationError:
    messages = serializers.as_serializer_error(error)
    return serializers.ValidationError({SERVICE_FIELD_NAMES.get(name, name): text for name, text in messages.items()})


MAY_NOT_BOOK = OpenApiResponse(ErrorSerializer, description="The token may not book appointments.")


@extend_schema_view(
    get=extend_schema(
        summary="List the appointments your organisation booked",
        description="The appointments booked by the token's organisation (by its desk or through the API), in "
        "time order, without the visitor's name or contact details. Tokens that may not book get an empty list.",
        responses={200: AppointmentSerializer(many=True), 401: UNAUTHORISED, 404: PAGE_NOT_FOUND},
    ),
    post=extend_schema(
        summary="Book an appointment",
        description="Book a place in a slot of a consultation hour by appointment at an open location, for a "
        "visitor: a first name or initials, and a phone number or e-mail address for a reminder only with the "
        "visitor's consent. A full slot, a time that is not a slot of the hour, a slot in the past or outside "
        "the booking window is refused with 400 and a message under `starts_at` (choose another slot; a full "
        "slot is a 400 like the others, because the answer is the same for the client), and nothing is booked.",
        request=AppointmentInputSerializer,
        responses={
            201: AppointmentSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="The booking is refused: field name → list of messages, in the language of the request "
                "(Dutch unless Accept-Language asks otherwise). `consultation_hour`: unknown or not bookable; "
                "`starts_at`: not a free slot that can be booked now; `name`: not a first name or initials; "
                "`consent`: contact details without consent.",
            ),
            401: UNAUTHORISED,
            403: MAY_NOT_BOOK,
        },
    ),
)
class AppointmentList(TokenApiView, generics.ListCreateAPIView):
    queryset = Appointment.objects.none()
    serializer_class = AppointmentSerializer
    filter_backends = ()
    parser_classes = [JSONParser]
    permission_classes = [permissions.IsAuthenticated, MayBookAppointments]

    def get_queryset(self):
        return appointments_booked_by(self.actor).order_by("slot__starts_at", "id")

    def create(self, request, *args, **kwargs):
        parsed = AppointmentInputSerializer(data=request.data, context={"actor": self.actor})
        parsed.is_valid(raise_exception=True)
        try:
            appointment = appointment_services.book(
                actor=self.actor,
                consultation_hour=parsed.validated_data["consultation_hour"],
                starts_at=parsed.validated_data["starts_at"],
                details=parsed.visitor_details(),
                booked_by=BookedBy.API,
            )
        except DjangoValidationError as error:
            raise _refusal(error) from error
        return Response(self.get_serializer(appointment).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    post=extend_schema(
        summary="Cancel an appointment",
        description="Cancel an appointment your organisation booked; its place is free again at once. An "
        "appointment that has started, or is no longer booked, cannot be cancelled.",
        parameters=[_id_parameter("id", "The id of an appointment your organisation booked.")],
        request=None,
        responses={
            200: AppointmentSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="The appointment cannot be cancelled: `status` → list of messages.",
            ),
            401: UNAUTHORISED,
            403: MAY_NOT_BOOK,
            404: NOT_FOUND,
        },
    )
)
class AppointmentCancel(TokenApiView):
    queryset = Appointment.objects.none()
    serializer_class = AppointmentSerializer
    permission_classes = [permissions.IsAuthenticated, MayBookAppointments]

    def post(self, request, id: int):
        appointment = get_object_or_404(appointments_booked_by(self.actor), pk=id)
        try:
            appointment = appointment_services.cancel(actor=self.actor, appointment=appointment)
        except DjangoValidationError as error:
            raise _refusal(error) from error
        return Response(self.get_serializer(appointment).data)
