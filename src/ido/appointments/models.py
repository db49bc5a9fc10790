"""Consultation hours (spreekuren) at IDO locations and the appointments booked into them.

A consultation hour is a recurring series (RFC 5545 rule, local wall-clock times in Europe/Amsterdam). Its slots
are computed (`slots.py`); a slot gets a row only when someone books it, and that row carries the capacity and
the number booked, so the database refuses a booking past capacity whatever happens concurrently.
An appointment holds as little personal data as possible, encrypted, and loses it on schedule; the anonymous
facts (booked, attended, no-show, cancelled) stay for the figures.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ido.core.crypto import EncryptedTextField
from ido.locations.models import Location
from ido.organisations.models import Organisation
from ido.registrations.models import Topic


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Every week")
    EVERY_OTHER_WEEK = "every_other_week", _("Every other week")
    MONTHLY_NTH_WEEKDAY = "monthly_nth_weekday", _("Monthly, on the n-th weekday")


class BookingMode(models.TextChoices):
    APPOINTMENT = "appointment", _("By appointment")
    WALK_IN = "walk_in", _("Walk-in only")


class SeriesStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")


def _feed_token() -> str:
    return secrets.token_urlsafe(24)


class ConsultationHour(models.Model):
    """A recurring consultation hour of a provider at a host location."""

    provider = models.ForeignKey(
        Organisation, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="consultation_hours"
    )
    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="consultation_hours"
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("what it is for"), blank=True)
    what_to_bring = models.TextField(_("what to bring"), blank=True)
    topics = models.ManyToManyField(Topic, verbose_name=_("topics"), blank=True, related_name="+")
    frequency = models.CharField(_("recurrence"), max_length=30, choices=Frequency.choices, default=Frequency.WEEKLY)
    # Monday = 0. Weekly kinds: one or more days; monthly: exactly one, with `nth`.
    weekdays = models.CharField(_("weekdays"), max_length=20, default="1")
    nth = models.SmallIntegerField(_("which week of the month"), null=True, blank=True)
    starts_on = models.DateField(_("first date"))
    ends_on = models.DateField(_("last date"), null=True, blank=True)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    slot_minutes = models.PositiveSmallIntegerField(_("minutes per slot"), default=20)
    capacity = models.PositiveSmallIntegerField(
        _("places per slot"), default=1, help_text=_("One for a personal appointment, more for a group hour.")
    )
    book_ahead_days = models.PositiveSmallIntegerField(_("bookable up to (days ahead)"), default=28)
    book_until_minutes = models.PositiveSmallIntegerField(_("bookable until (minutes before)"), default=60)
    booking_mode = models.CharField(
        _("booking"), max_length=20, choices=BookingMode.choices, default=BookingMode.APPOINTMENT
    )
    public_booking = models.BooleanField(_("citizens can book themselves"), default=False)
    skip_public_holidays = models.BooleanField(_("skip public holidays"), default=True)
    status = models.CharField(_("status"), max_length=20, choices=SeriesStatus.choices, default=SeriesStatus.ACTIVE)
    feed_token = models.CharField(max_length=64, default=_feed_token, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("consultation hour")
        verbose_name_plural = _("consultation hours")
        ordering = ["location", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="hour_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="hour_capacity_at_least_one"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")), name="hour_ends_on_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.location})"


class CancelledDate(models.Model):
    """A date the series does not take place (public holidays are skipped without one)."""

    consultation_hour = models.ForeignKey(ConsultationHour, on_delete=models.CASCADE, related_name="cancelled_dates")
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("cancelled date")
        verbose_name_plural = _("cancelled dates")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["consultation_hour", "date"], name="cancelled_date_once")]

    def __str__(self) -> str:
        return f"{self.consultation_hour} {self.date}"


class Slot(models.Model):
    """A slot that has (had) bookings. `booked` never exceeds `capacity`: a CHECK constraint, and the booking
    service raises it with one conditional UPDATE, so the last place goes to exactly one booking."""

    consultation_hour = models.ForeignKey(ConsultationHour, on_delete=models.PROTECT, related_name="slots")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(_("places"))
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["consultation_hour", "starts_at"], name="slot_once_per_start"),
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="slot_not_overbooked"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="slot_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.consultation_hour} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def free(self) -> int:
        return self.capacity - self.booked


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("Did not come")


class BookedBy(models.TextChoices):
    DESK = "desk", _("Desk")
    CITIZEN = "citizen", _("Citizen")
    API = "api", _("API")


class Appointment(models.Model):
    """A visitor's place in a slot. Personal data: a first name or initials, and a phone number or e-mail address
    only for a reminder — encrypted, and removed `IDO_APPOINTMENT_RETENTION_DAYS` after the appointment."""

    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="appointments")
    status = models.CharField(
        _("status"), max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    name = EncryptedTextField(_("first name or initials"), blank=True)
    phone = EncryptedTextField(_("phone number for a reminder"), blank=True)
    email = EncryptedTextField(_("e-mail address for a reminder"), blank=True)
    # The consent the visitor gave for the contact details: which text (version) and when.
    consent_text = models.TextField(_("consent text shown"), blank=True)
    consent_given_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    booked_by = models.CharField(_("booked by"), max_length=20, choices=BookedBy.choices, default=BookedBy.DESK)
    booked_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    booking_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    # Messages to the visitor go out in the language the booking was made in.
    language = models.CharField(_("language"), max_length=10, default="nl")
    personal_data_deleted_at = models.DateTimeField(_("personal data deleted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["slot__starts_at", "pk"]
        indexes = [models.Index(fields=["status", "personal_data_deleted_at"], name="appointment_retention")]

    def __str__(self) -> str:
        return f"{self.slot} #{self.pk}"


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message")


class Notification(models.Model):
    """One message to a visitor about an appointment (confirmation, reminder, change). Its key, such as
    "reminder:sms", is unique per appointment, and the row is written before the message goes out: a message is
    claimed once and so never sent twice, even when a worker restarts or two workers run at the same time."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(_("message"), max_length=80)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    claimed_at = models.DateTimeField(_("claimed at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failure = models.CharField(_("failure"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["claimed_at"]
        constraints = [models.UniqueConstraint(fields=["appointment", "key"], name="notification_once")]

    def __str__(self) -> str:
        return f"{self.appointment_id} {self.key}"


class HostAgreement(models.Model):
    """The host library lets a partner organisation add and manage its own consultation hours at one of the
    library's locations (the coordinator agrees per location and partner; ending it keeps existing hours)."""

    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.CASCADE, related_name="host_agreements"
    )
    provider = models.ForeignKey(
        Organisation, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="host_agreements"
    )
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agreed_at = models.DateTimeField(_("agreed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("host agreement")
        verbose_name_plural = _("host agreements")
        ordering = ["location", "provider"]
        constraints = [models.UniqueConstraint(fields=["location", "provider"], name="host_agreement_once")]

    def __str__(self) -> str:
        return f"{self.provider} @ {self.location}"
