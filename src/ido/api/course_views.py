"""Courses in the API.

Anyone may read the catalogue and the sessions that can still be joined, with their meetings and free places,
without a token: there is no personal data in them. A token that may enrol (a library's) enrols a person into a
session or onto its waitlist, lists the enrolments its organisation made and cancels them; the course services
check the rules, hold the places under concurrency and write the audit trail. Every response that shows a
person's details records the reading first.
"""

from collections.abc import Iterable

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import F
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, permissions, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from ido.api.appointment_views import PublicApiView, _id_parameter
from ido.api.course_selectors import enrolments_made_by, public_courses, public_sessions
from ido.api.course_serializers import (
    CourseSerializer,
    CourseSessionSerializer,
    EnrolmentInputSerializer,
    EnrolmentSerializer,
)
from ido.api.serializers import MAX_ID, ErrorSerializer
from ido.api.views import INVALID_FILTER, NOT_FOUND, PAGE_NOT_FOUND, UNAUTHORISED, TokenApiView
from ido.courses import services as course_services
from ido.courses.models import (
    Course,
    CourseKind,
    CourseLevel,
    Enrolment,
    EnrolmentSource,
    EnrolmentStatus,
    InstructionLanguage,
    Session,
)


def id_filter(field_name: str, description: str) -> django_filters.Filter:
    """A filter on an id: a whole number that fits a database integer. Anything else answers 400, never a query."""

    @extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID, "description": description})
    class IdFilter(django_filters.Filter):
        field_class = forms.IntegerField

    return IdFilter(field_name=field_name, min_value=1, max_value=MAX_ID)


class CourseFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=CourseKind.choices, help_text="Only courses of this kind.")
    level = django_filters.ChoiceFilter(choices=CourseLevel.choices, help_text="Only courses of this level.")
    language = django_filters.ChoiceFilter(
        choices=InstructionLanguage.choices, help_text="Only courses in this language of instruction."
    )

    class Meta:
        model = Course
        fields = ["kind", "level", "language"]


class CourseSessionFilter(django_filters.FilterSet):
    course = id_filter("course_id", "Only sessions of this course: its id.")
    location = id_filter("location_id", "Only sessions at this IDO location: its id.")
    has_free_places = django_filters.BooleanFilter(
        method="filter_has_free_places",
        help_text="true: only sessions with a free place; false: only full ones (people can join the waitlist).",
    )

    class Meta:
        model = Session
        fields = ["course", "location", "has_free_places"]

    def filter_has_free_places(self, queryset, name, value: bool):
        return queryset.filter(taken__lt=F("capacity")) if value else queryset.filter(taken__gte=F("capacity"))


class EnrolmentFilter(django_filters.FilterSet):
    session = id_filter("session_id", "Only enrolments in this course session: its id.")
    status = django_filters.ChoiceFilter(choices=EnrolmentStatus.choices, help_text="Only enrolments with this status.")

    class Meta:
        model = Enrolment
        fields = ["session", "status"]


@extend_schema_view(
    get=extend_schema(
        summary="List the courses in the catalogue",
        description="The digital-skills courses of the libraries and their partners, in order of title. Public: "
        "no token needed, and no personal data.",
        responses={200: CourseSerializer(many=True), 400: INVALID_FILTER, 404: PAGE_NOT_FOUND},
    )
)
class CourseList(PublicApiView, generics.ListAPIView):
    queryset = Course.objects.none()
    serializer_class = CourseSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = CourseFilter

    def get_queryset(self):
        return public_courses().order_by("title", "id")


@extend_schema_view(
    get=extend_schema(
        summary="List the course sessions that can still be joined",
        description="The open sessions of the courses in the catalogue at open IDO locations whose first meeting "
        "is still to come, in order of the first meeting, each with its meetings and free places. A full session "
        "has a waitlist. Public: no token needed, and no personal data.",
        responses={200: CourseSessionSerializer(many=True), 400: INVALID_FILTER, 404: PAGE_NOT_FOUND},
    )
)
class CourseSessionList(PublicApiView, generics.ListAPIView):
    queryset = Session.objects.none()
    serializer_class = CourseSessionSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = CourseSessionFilter

    def get_queryset(self):
        return public_sessions().order_by("starts_at", "id")


class MayEnrol(permissions.BasePermission):
    """Listing is for any token (it may find nothing); enrolling and cancelling only for a token that may enrol."""

    message = gettext_lazy("Only the API token of a library can enrol people in courses.")

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or request.user.actor.has_perm("courses.enrol")


def _refusal(error: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(serializers.as_serializer_error(error))


def record_reading(actor, enrolments: Iterable[Enrolment]) -> None:
    """Record, through the service, the reading of each enrolment whose person the response shows. One
    transaction for the page: one commit, however many enrolments it shows."""
    with transaction.atomic():
        course_services.read_enrolments(actor=actor, enrolments=enrolments)


MAY_NOT_ENROL = OpenApiResponse(ErrorSerializer, description="The token may not enrol people in courses.")


@extend_schema_view(
    get=extend_schema(
        summary="List the enrolments your organisation made",
        description="The enrolments made by the token's organisation (at its desk or through the API), oldest "
        "first, with the person's details while they are kept; each enrolment whose details a page shows is "
        "recorded in the audit trail. Tokens that may not enrol get an empty list.",
        responses={
            200: EnrolmentSerializer(many=True),
            400: INVALID_FILTER,
            401: UNAUTHORISED,
            404: PAGE_NOT_FOUND,
        },
    ),
    post=extend_schema(
        summary="Enrol a person in a course session",
        description="Enrol a person (with a companion: `places` 2) in an open session whose first meeting is still "
        "to come: a first name or initials, and a phone number or e-mail address only with the person's consent. "
        "When the places are taken, `waitlist_if_full` puts them at the end of the waitlist (status `waitlisted`); "
        "without it a full session is refused. A cancelled or started session, a course no longer in the "
        "catalogue, or bad details are refused with 400 and nothing is changed. The person gets a confirmation "
        "by text message or e-mail when they gave a number or address.",
        request=EnrolmentInputSerializer,
        responses={
            201: EnrolmentSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="The enrolment is refused: field name → list of messages, in the language of the "
                "request (Dutch unless Accept-Language asks otherwise). `session`: unknown, cancelled, started, "
                "no longer in the catalogue, or full without `waitlist_if_full`; `name`: not a first name or "
                "initials; `phone`, `email`: not a phone number or e-mail address; `consent`: contact details "
                "without consent; `places`: not 1 or 2.",
            ),
            401: UNAUTHORISED,
            403: MAY_NOT_ENROL,
        },
    ),
)
class EnrolmentList(TokenApiView, generics.ListCreateAPIView):
    queryset = Enrolment.objects.none()
    serializer_class = EnrolmentSerializer
    filterset_class = EnrolmentFilter
    parser_classes = [JSONParser]
    permission_classes = [permissions.IsAuthenticated, MayEnrol]

    def get_queryset(self):
        return enrolments_made_by(self.actor).order_by("created_at", "id")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        record_reading(self.actor, page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request, *args, **kwargs):
        parsed = EnrolmentInputSerializer(data=request.data, context={"actor": self.actor})
        parsed.is_valid(raise_exception=True)
        try:
            enrolment = course_services.enrol(
                actor=self.actor,
                session=parsed.validated_data["session"],
                details=parsed.person_details(),
                places=parsed.validated_data["places"],
                waitlist_if_full=parsed.validated_data["waitlist_if_full"],
                source=EnrolmentSource.API,
            )
        except DjangoValidationError as error:
            raise _refusal(error) from error
        enrolment = enrolments_made_by(self.actor).get(pk=enrolment.pk)
        record_reading(self.actor, [enrolment])
        return Response(self.get_serializer(enrolment).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    post=extend_schema(
        summary="Cancel an enrolment",
        description="The person no longer comes, or leaves the waitlist: an enrolment or offer becomes `cancelled`, "
        "a place on the waitlist `left_waitlist`. A freed place is offered to the first on the waitlist at once. "
        "An enrolment that has already ended cannot be cancelled. Answers the enrolment; reading the person's "
        "details is recorded in the audit trail.",
        parameters=[_id_parameter("id", "The id of an enrolment your organisation made.")],
        request=None,
        responses={
            200: EnrolmentSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="The enrolment cannot be cancelled: `status` → list of messages.",
            ),
            401: UNAUTHORISED,
            403: MAY_NOT_ENROL,
            404: NOT_FOUND,
        },
    )
)
class EnrolmentCancel(TokenApiView):
    queryset = Enrolment.objects.none()
    serializer_class = EnrolmentSerializer
    permission_classes = [permissions.IsAuthenticated, MayEnrol]

    def post(self, request, id: int):
        enrolment = get_object_or_404(enrolments_made_by(self.actor), pk=id)
        try:
            course_services.cancel_enrolment(actor=self.actor, enrolment=enrolment)
        except DjangoValidationError as error:
            raise _refusal(error) from error
        enrolment = enrolments_made_by(self.actor).get(pk=enrolment.pk)
        record_reading(self.actor, [enrolment])
        return Response(self.get_serializer(enrolment).data)
