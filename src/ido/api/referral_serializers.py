"""What the API shows and takes for warm referrals.

A referral shows its anonymous skeleton (who sent it, topic, urgency, status and dates) to the token of the
organisation it is addressed to, and to that organisation alone the visitor's details: that is the point of a
warm referral, the receiver contacts the visitor. Once the details are deleted, `visitor` is null.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ido.api.appointment_serializers import TopicReferenceSerializer
from ido.api.referral_selectors import shows_visitor
from ido.referrals import rules
from ido.referrals.models import Referral, ReferralEvent, ReferralStatus

# As on the referral's page: a reason to decline in a sentence.
MAX_NOTE_LENGTH = 300


class ReferralVisitorSerializer(serializers.ModelSerializer):
    """The visitor's details. Without the visitor's consent the contact details are empty: they get in touch."""

    reason = serializers.CharField(read_only=True, help_text="What the visitor needs help with, in a few words.")
    tried = serializers.CharField(read_only=True, help_text="What the visitor already tried, or empty.")
    name = serializers.CharField(read_only=True, help_text="The visitor's name, or empty.")
    phone = serializers.CharField(read_only=True, help_text="Phone number, or empty.")
    email = serializers.CharField(read_only=True, help_text="E-mail address, or empty.")
    preferred_contact_time = serializers.CharField(read_only=True, help_text="The best time to call, or empty.")

    class Meta:
        model = Referral
        fields = ["reason", "tried", "name", "phone", "email", "preferred_contact_time"]
        read_only_fields = fields


class ReferralSerializer(serializers.ModelSerializer):
    """A referral addressed to your organisation."""

    # Needs the request in the context (the token's organisation decides whether `visitor` is shown).

    sender_name = serializers.CharField(
        source="sender.name", read_only=True, help_text="The organisation that made the referral."
    )
    receiver_location = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="For a referral to the IDO: the id of the location the visitor will go to. Otherwise null.",
    )
    topic = TopicReferenceSerializer(read_only=True, help_text="What the referral is about.")
    response_due_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the agreed reaction time ends, or null: none agreed."
    )
    first_reaction_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the receiver first changed the status, or null."
    )
    closed_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the referral was declined, completed or closed, or null."
    )
    personal_data_deleted_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the visitor's details were deleted, or null."
    )
    visitor = serializers.SerializerMethodField(
        help_text="The visitor's details, for the organisation the referral is addressed to; null once they are "
        "deleted (after closure, on request, or when the visitor withdraws consent). Each response that shows "
        "them is recorded in the audit trail."
    )

    class Meta:
        model = Referral
        fields = [
            "id",
            "direction",
            "sender_name",
            "receiver_location",
            "topic",
            "urgency",
            "status",
            "created_at",
            "response_due_at",
            "first_reaction_at",
            "closed_at",
            "personal_data_deleted_at",
            "visitor",
        ]
        read_only_fields = fields

    @extend_schema_field(ReferralVisitorSerializer(allow_null=True))
    def get_visitor(self, referral: Referral) -> dict | None:
        if not shows_visitor(self.context["request"].user.actor, referral):
            return None
        return ReferralVisitorSerializer(referral).data


class ReferralEventSerializer(serializers.ModelSerializer):
    """One step in the referral's timeline."""

    name = serializers.CharField(
        read_only=True, help_text="What happened, as a dotted name, e.g. referrals.referral.accepted."
    )
    organisation_name = serializers.CharField(
        source="organisation.name",
        read_only=True,
        allow_null=True,
        help_text="The organisation that took the step, or null (a reminder, or an organisation since removed).",
    )
    status = serializers.ChoiceField(
        choices=ReferralStatus.choices,
        allow_blank=True,
        read_only=True,
        help_text="The status after the step, or empty for an event that does not change it (a reminder).",
    )
    note = serializers.CharField(read_only=True, help_text="The reason given with the step (to decline), or empty.")

    class Meta:
        model = ReferralEvent
        fields = ["name", "status", "at", "organisation_name", "note"]
        read_only_fields = fields


class ReferralDetailSerializer(ReferralSerializer):
    """A referral addressed to your organisation, with its timeline."""

    # Expects the events prefetched with their organisation (referral_selectors.with_timeline).

    events = ReferralEventSerializer(many=True, read_only=True, help_text="The timeline, oldest first.")

    class Meta(ReferralSerializer.Meta):
        fields = [*ReferralSerializer.Meta.fields, "events"]
        read_only_fields = fields


def _receiver_steps() -> str:
    """The steps the receiving organisation may take, in words, from the rules themselves."""
    order = ReferralStatus.values
    return "; ".join(
        f"from `{status}`: " + " or ".join(f"`{step}`" for step in sorted(steps, key=order.index))
        for status, steps in rules.RECEIVER_STEPS.items()
    )


class ReferralStatusChangeSerializer(serializers.Serializer):
    """The next step of a referral addressed to your organisation."""

    status = serializers.ChoiceField(
        choices=ReferralStatus.choices,
        help_text=f"The new status, a step the state machine allows: {_receiver_steps()}. Any other step is refused.",
    )
    note = serializers.CharField(
        max_length=MAX_NOTE_LENGTH,
        allow_blank=True,
        default="",
        help_text="Why, in a sentence: required to decline, so the IDO can refer the visitor elsewhere. Refused "
        "when it holds a BSN, e-mail address, phone number or IBAN.",
    )
