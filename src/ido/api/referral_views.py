"""Warm referrals in the API: an organisation's software reads its inbox and answers.

A token reads the referrals addressed to its organisation (`referrals.view`: partners and libraries) and a
partner's token moves them on (`referrals.respond`), through the same service and state machine as the
referral's page. A referral the organisation did not receive answers 404, as if it did not exist. Every response
that shows a visitor's details records the reading in the audit trail first.
"""

from collections.abc import Iterable

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, permissions, serializers
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from ido.api.appointment_views import _id_parameter
from ido.api.referral_selectors import referral_inbox, shows_visitor, with_timeline
from ido.api.referral_serializers import ReferralDetailSerializer, ReferralSerializer, ReferralStatusChangeSerializer
from ido.api.serializers import ErrorSerializer
from ido.api.views import INVALID_FILTER, NOT_FOUND, PAGE_NOT_FOUND, UNAUTHORISED, TokenApiView
from ido.referrals import services as referral_services
from ido.referrals.models import Referral, ReferralStatus


class ReferralFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ReferralStatus.choices, help_text="Only referrals with this status.")

    class Meta:
        model = Referral
        fields = ["status"]


class MayReadReferrals(permissions.BasePermission):
    message = gettext_lazy("Only the API token of a library or a partner organisation can read referrals.")

    def has_permission(self, request, view) -> bool:
        return request.user.actor.has_perm("referrals.view")


class MayAnswerReferrals(permissions.BasePermission):
    message = gettext_lazy("Only the API token of a partner organisation can change the status of a referral.")

    def has_permission(self, request, view) -> bool:
        return request.user.actor.has_perm("referrals.respond")


def record_reading(actor, referrals: Iterable[Referral]) -> None:
    """Record, through the service, the reading of each referral whose visitor's details the response shows.
    One transaction for the page: one commit, however many referrals it shows."""
    with transaction.atomic():
        for referral in referrals:
            if shows_visitor(actor, referral):
                referral_services.read_referral(actor=actor, referral=referral)


MAY_NOT_READ = OpenApiResponse(ErrorSerializer, description="The token may not read referrals.")
REFERRAL_ID = _id_parameter("id", "The id of a referral addressed to your organisation.")


class ReferralApiView(TokenApiView):
    queryset = Referral.objects.none()
    permission_classes = [permissions.IsAuthenticated, MayReadReferrals]


@extend_schema_view(
    get=extend_schema(
        summary="List the referrals addressed to your organisation",
        description="The inbox of the token's organisation, newest first: for a partner the referrals from the "
        "IDOs, for a library the visitors other organisations referred to it (expected visitors). Referrals your "
        "organisation sent are not in it. The visitor's details are shown while they exist; each referral whose "
        "details a page shows is recorded in the audit trail.",
        responses={
            200: ReferralSerializer(many=True),
            400: INVALID_FILTER,
            401: UNAUTHORISED,
            403: MAY_NOT_READ,
            404: PAGE_NOT_FOUND,
        },
    )
)
class ReferralList(ReferralApiView, generics.ListAPIView):
    serializer_class = ReferralSerializer
    filterset_class = ReferralFilter

    def get_queryset(self):
        return referral_inbox(self.actor)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        record_reading(self.actor, page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema_view(
    get=extend_schema(
        summary="One referral addressed to your organisation",
        description="The referral with its timeline. Reading the visitor's details is recorded in the audit trail.",
        parameters=[REFERRAL_ID],
        responses={200: ReferralDetailSerializer, 401: UNAUTHORISED, 403: MAY_NOT_READ, 404: NOT_FOUND},
    )
)
class ReferralDetail(ReferralApiView, generics.RetrieveAPIView):
    serializer_class = ReferralDetailSerializer
    lookup_url_kwarg = "id"
    lookup_field = "pk"

    def get_queryset(self):
        return with_timeline(referral_inbox(self.actor))

    def retrieve(self, request, *args, **kwargs):
        referral = self.get_object()
        record_reading(self.actor, [referral])
        return Response(self.get_serializer(referral).data)


@extend_schema_view(
    post=extend_schema(
        summary="Change the status of a referral addressed to your organisation",
        description="The next step: accept or decline a new referral (declining needs a note: why), then record "
        "what happened. A step the state machine does not allow is refused with 400 and changes nothing. Answers "
        "the referral with its timeline; reading the visitor's details is recorded in the audit trail.",
        parameters=[REFERRAL_ID],
        request=ReferralStatusChangeSerializer,
        responses={
            200: ReferralDetailSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="The step is refused: field name → list of messages, in the language of the request "
                "(Dutch unless Accept-Language asks otherwise). `status`: not a step possible now; `note`: missing "
                "when declining, too long, or holding personal data.",
            ),
            401: UNAUTHORISED,
            403: OpenApiResponse(ErrorSerializer, description="The token may not change the status of referrals."),
            404: NOT_FOUND,
        },
    )
)
class ReferralStatusChange(ReferralApiView):
    serializer_class = ReferralDetailSerializer
    parser_classes = [JSONParser]
    permission_classes = [permissions.IsAuthenticated, MayReadReferrals, MayAnswerReferrals]

    def post(self, request, id: int):
        referral = get_object_or_404(referral_inbox(self.actor), pk=id)
        step = ReferralStatusChangeSerializer(data=request.data)
        step.is_valid(raise_exception=True)
        try:
            referral_services.move(
                actor=self.actor,
                referral=referral,
                status=step.validated_data["status"],
                note=step.validated_data["note"],
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from error
        referral = with_timeline(referral_inbox(self.actor)).get(pk=referral.pk)
        record_reading(self.actor, [referral])
        return Response(self.get_serializer(referral).data)
