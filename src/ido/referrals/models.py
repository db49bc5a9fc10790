"""Warm referrals (warme doorverwijzing) and the partner network around the IDO.

A referral carries as little personal data as possible, encrypted, readable only by the sending and receiving
organisation, and deleted on schedule or when consent is withdrawn; its anonymous skeleton (dates, topic,
partner, outcome) stays for the figures. Its state changes are timestamped events with a dotted name, ready to be
delivered to partner systems later.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ido.core.crypto import EncryptedTextField
from ido.locations.models import Location
from ido.organisations.models import Municipality, Organisation
from ido.registrations.models import Question, Topic


class DeliveryMethod(models.TextChoices):
    PLATFORM = "platform", _("Through this platform")
    EMAIL = "email", _("By e-mail")
    PHONE = "phone", _("By phone")


class PartnerService(models.Model):
    """An entry of the partner directory: what a partner organisation offers, for which topics and where."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="partner_services"
    )
    name = models.CharField(_("name"), max_length=200, help_text=_("For example: Schuldhulpverlening."))
    description = models.TextField(_("what they help with"), blank=True)
    topics = models.ManyToManyField(Topic, verbose_name=_("topics"), blank=True, related_name="+")
    municipalities = models.ManyToManyField(
        Municipality, verbose_name=_("municipalities served"), blank=True, related_name="partner_services"
    )
    nationwide = models.BooleanField(_("whole country"), default=False)
    how_to_reach = models.TextField(_("how to reach them"), blank=True)
    phone = models.CharField(_("phone number"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    website = models.URLField(_("website"), blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("partner service")
        verbose_name_plural = _("partner services")
        ordering = ["organisation__name", "name"]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.name}"


class ReferralAgreement(models.Model):
    """A referral agreement (samenwerkingsafspraak) between a library (or one of its IDO locations) and a partner:
    for which topics, how referrals reach the partner, and how fast the partner promises to react."""

    library = models.ForeignKey(
        Organisation, verbose_name=_("library"), on_delete=models.CASCADE, related_name="referral_agreements"
    )
    location = models.ForeignKey(
        Location,
        verbose_name=_("IDO location"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="referral_agreements",
        help_text=_("Empty: all locations of the library."),
    )
    partner = models.ForeignKey(
        Organisation, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="partner_agreements"
    )
    topics = models.ManyToManyField(Topic, verbose_name=_("topics"), related_name="+")
    delivery = models.CharField(
        _("how referrals reach the partner"), max_length=20, choices=DeliveryMethod.choices, default="platform"
    )
    response_days = models.PositiveSmallIntegerField(
        _("reaction within (working days)"), default=5, help_text=_("Working days: weekends and holidays do not count.")
    )
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail address"), blank=True)
    contact_phone = models.CharField(_("contact phone number"), max_length=30, blank=True)
    notification_email = models.EmailField(
        _("shared mailbox for new referrals"), blank=True, help_text=_("Gets a message for every new referral.")
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("referral agreement")
        verbose_name_plural = _("referral agreements")
        ordering = ["library", "partner"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="agreement_ends_after_start",
            ),
            models.CheckConstraint(condition=Q(response_days__gte=1), name="agreement_response_days_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.library} → {self.partner}"


class Direction(models.TextChoices):
    TO_PARTNER = "to_partner", _("From the IDO to a partner")
    TO_IDO = "to_ido", _("From a partner or the municipality to the IDO")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    SOON = "soon", _("Within a few days")
    URGENT = "urgent", _("Urgent (deadline or payment stop)")


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CONTACTED = "contacted", _("Contacted")
    APPOINTMENT_MADE = "appointment_made", _("Appointment made")
    COMPLETED = "completed", _("Completed")
    NOT_REACHED = "not_reached", _("Could not reach")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Referral(models.Model):
    """A warm referral. The visitor's contact details, the reason and what they tried are encrypted personal data,
    kept only with consent and deleted `IDO_REFERRAL_RETENTION_DAYS` after closure (or at once when consent is
    withdrawn); topic, organisations, dates and outcome stay."""

    direction = models.CharField(_("direction"), max_length=20, choices=Direction.choices, default="to_partner")
    sender = models.ForeignKey(
        Organisation, verbose_name=_("referred by"), on_delete=models.PROTECT, related_name="referrals_sent"
    )
    sender_location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals_sent"
    )
    receiver = models.ForeignKey(
        Organisation, verbose_name=_("referred to"), on_delete=models.PROTECT, related_name="referrals_received"
    )
    receiver_location = models.ForeignKey(
        Location,
        verbose_name=_("IDO location"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals_expected",
    )
    agreement = models.ForeignKey(
        ReferralAgreement, null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    question = models.ForeignKey(Question, null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals")
    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.PROTECT, related_name="+")
    urgency = models.CharField(_("urgency"), max_length=20, choices=Urgency.choices, default="normal")
    status = models.CharField(_("status"), max_length=20, choices=ReferralStatus.choices, default="sent")
    # Personal data, encrypted; empty after deletion.
    reason = EncryptedTextField(_("reason in a few words"), blank=True)
    tried = EncryptedTextField(_("what the visitor already tried"), blank=True)
    name = EncryptedTextField(_("name"), blank=True)
    phone = EncryptedTextField(_("phone number"), blank=True)
    email = EncryptedTextField(_("e-mail address"), blank=True)
    preferred_contact_time = EncryptedTextField(_("best time to call"), blank=True)
    # Consent: the visitor's choice and the exact text shown.
    consent_text = models.TextField(_("consent text shown"), blank=True)
    consent_given_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    special_category = models.BooleanField(_("involves special personal data (health, religion, …)"), default=False)
    special_consent_text = models.TextField(_("extra consent text shown"), blank=True)
    special_consent_given_at = models.DateTimeField(_("extra consent given at"), null=True, blank=True)
    consent_withdrawn_at = models.DateTimeField(_("consent withdrawn at"), null=True, blank=True)
    appointment = models.ForeignKey(
        "appointments.Appointment", null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    # A referral into the IDO may propose a course session: the IDO enrols the visitor (courses module).
    session = models.ForeignKey(
        "courses.Session",
        verbose_name=_("proposed course"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    response_due_at = models.DateTimeField(_("reaction due"), null=True, blank=True)
    first_reaction_at = models.DateTimeField(_("first reaction at"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    personal_data_deleted_at = models.DateTimeField(_("personal data deleted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["receiver", "status"], name="referral_inbox"),
            models.Index(fields=["sender", "created_at"], name="referral_sent"),
            models.Index(fields=["status", "response_due_at"], name="referral_overdue"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.sender} → {self.receiver}"


class ReferralEvent(models.Model):
    """One step in a referral's timeline. `name` is a dotted event name ("referrals.referral.accepted") so a later
    webhook can deliver it to partner systems; the note (a reason to decline) is personal data."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    name = models.CharField(_("event"), max_length=80)
    status = models.CharField(_("status"), max_length=20, choices=ReferralStatus.choices, blank=True)
    at = models.DateTimeField(_("at"))
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = EncryptedTextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.name}"

    @property
    def label(self):
        """The line in words: the status it moved to, or what happened (a reminder, a deletion)."""
        if self.status:
            return self.get_status_display()
        return EVENT_LABELS.get(self.name, self.name)


EVENT_LABELS = {
    "referrals.referral.overdue": _("Reminder: no reaction in time"),
    "referrals.referral.consent_withdrawn": _("Consent withdrawn, personal data deleted"),
    "referrals.referral.erased": _("Personal data erased on request"),
    "referrals.referral.appointment_booked": _("Appointment booked in a consultation hour of the receiver"),
    "referrals.referral.enrolled": _("Enrolled in a course"),
    "referrals.referral.waitlisted": _("On the waitlist of a course"),
}
