"""Digital-skills courses: the catalogue (Course), a run of a course at a location (Session) with its meetings
(Meeting), the people in it (Enrolment: enrolled, on the waitlist, or offered a freed place) and who came to
which meeting (Attendance).

A session row carries the number of places held (`taken`: enrolled plus offered), so the database refuses an
enrolment past capacity whatever happens concurrently; the waitlist order is a position that is unique per
session. An enrolment holds as little personal data as possible, encrypted, and loses it on schedule; the
anonymous facts (source, status, attendance, the question it came from) stay for the figures.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ido.core.crypto import EncryptedTextField
from ido.locations.models import Location
from ido.organisations.models import Organisation


class CourseKind(models.TextChoices):
    DIGITAL_BASICS = "digital_basics", _("Digital basics")
    E_GOVERNMENT = "e_government", _("Working with the e-government")
    HEALTH_APPS = "health_apps", _("Health apps")
    LANGUAGE = "language", _("Language")
    SAFE_ONLINE = "safe_online", _("Safe online")


class CourseLevel(models.TextChoices):
    BEGINNER = "beginner", _("Beginner: never or hardly used a computer or phone")
    SOME = "some", _("Some experience")
    ADVANCED = "advanced", _("Advanced")


class InstructionLanguage(models.TextChoices):
    DUTCH = "nl", _("Dutch")
    EASY_DUTCH = "nl-easy", _("Easy Dutch (for learners of Dutch)")
    ENGLISH = "en", _("English")
    ARABIC = "ar", _("Arabic")
    TURKISH = "tr", _("Turkish")
    POLISH = "pl", _("Polish")
    UKRAINIAN = "uk", _("Ukrainian")


class DeviceNeed(models.TextChoices):
    NONE = "none", _("No device needed: there are computers")
    OWN = "own", _("Bring your own phone, tablet or laptop")
    BORROW = "borrow", _("Bring your own, or borrow one from the library")


class Course(models.Model):
    """A course in the catalogue (cursus), offered by a library or a partner. Usually free."""

    provider = models.ForeignKey(
        Organisation, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="courses"
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(
        _("description"), help_text=_("In plain Dutch: what will the visitor be able to do afterwards?")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CourseKind.choices)
    level = models.CharField(_("level"), max_length=20, choices=CourseLevel.choices, default=CourseLevel.BEGINNER)
    language = models.CharField(
        _("language of instruction"), max_length=10, choices=InstructionLanguage.choices, default="nl"
    )
    device = models.CharField(_("device"), max_length=10, choices=DeviceNeed.choices, default=DeviceNeed.NONE)
    intake_needed = models.BooleanField(_("intake needed"), default=False)
    cost = models.DecimalField(
        _("cost in euros"), max_digits=7, decimal_places=2, default=0, help_text=_("0 for a free course.")
    )
    meetings_to_complete = models.PositiveSmallIntegerField(
        _("meetings to complete"),
        null=True,
        blank=True,
        help_text=_("Completed after at least this many meetings (for example 3 of 4). Empty: all meetings."),
    )
    public_enrolment = models.BooleanField(
        _("citizens can enrol themselves"),
        default=False,
        help_text=_("On the public page of the location. Without it, people enrol at the desk."),
    )
    active = models.BooleanField(_("in the catalogue"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(cost__gte=0), name="course_cost_not_negative"),
            models.CheckConstraint(
                condition=Q(meetings_to_complete__isnull=True) | Q(meetings_to_complete__gte=1),
                name="course_meetings_to_complete_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_free(self) -> bool:
        return self.cost == 0


class SessionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CANCELLED = "cancelled", _("Cancelled")


class Session(models.Model):
    """A run of a course at a location: its meetings, a teacher and a number of places (often 6 to 12)."""

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="sessions")
    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="course_sessions"
    )
    teacher = models.CharField(_("teacher"), max_length=80, blank=True)
    capacity = models.PositiveSmallIntegerField(_("places"))
    # Places held: enrolled people and open offers. Raised only by a statement that checks capacity.
    taken = models.PositiveSmallIntegerField(_("places taken"), default=0)
    status = models.CharField(_("status"), max_length=20, choices=SessionStatus.choices, default=SessionStatus.OPEN)
    offer_hours = models.PositiveSmallIntegerField(
        _("hours to accept a freed place"),
        default=48,
        help_text=_("When a place frees, the first on the waitlist gets it for this long; then the next."),
    )
    # Set by the services from the meetings, so lists and the retention purge need no aggregate.
    starts_at = models.DateTimeField(_("first meeting"), null=True, blank=True)
    ends_at = models.DateTimeField(_("end of the last meeting"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("course session")
        verbose_name_plural = _("course sessions")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_capacity_positive"),
            models.CheckConstraint(condition=Q(offer_hours__gte=1), name="session_offer_hours_positive"),
        ]
        indexes = [models.Index(fields=["status", "starts_at"], name="session_upcoming")]

    def __str__(self) -> str:
        return f"{self.course} – {self.location}"

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.taken)


class Meeting(models.Model):
    """One meeting of a session (bijeenkomst), at the session's location."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    rescheduled_at = models.DateTimeField(_("rescheduled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} {self.starts_at:%Y-%m-%d %H:%M}"


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    WAITLISTED = "waitlisted", _("On the waitlist")
    OFFERED = "offered", _("Offered a place")
    CANCELLED = "cancelled", _("Cancelled")
    DECLINED = "declined", _("Offer declined")
    EXPIRED = "expired", _("Offer expired")
    LEFT_WAITLIST = "left_waitlist", _("Left the waitlist")


class EnrolmentSource(models.TextChoices):
    DESK = "desk", _("Desk")
    REFERRAL = "referral", _("Referral")
    CITIZEN = "citizen", _("Citizen")
    API = "api", _("API")


class Enrolment(models.Model):
    """A person (with a companion: two places) in a session, on its waitlist, or offered a freed place.
    Personal data: a first name or initials, and a phone number or e-mail address only with consent —
    encrypted, and removed `IDO_COURSE_RETENTION_DAYS` after the session ends."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="enrolments")
    status = models.CharField(_("status"), max_length=20, choices=EnrolmentStatus.choices)
    places = models.PositiveSmallIntegerField(
        _("places"), default=1, help_text=_("2 when the visitor comes with a companion.")
    )
    # Order on the waitlist (1 is first); empty when not waiting.
    waitlist_position = models.PositiveIntegerField(_("place on the waitlist"), null=True, blank=True)
    waitlisted_at = models.DateTimeField(_("on the waitlist since"), null=True, blank=True)
    offered_at = models.DateTimeField(_("place offered at"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("offer expires at"), null=True, blank=True)
    enrolled_at = models.DateTimeField(_("enrolled at"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    source = models.CharField(_("enrolled through"), max_length=20, choices=EnrolmentSource.choices)
    question = models.ForeignKey(
        "registrations.Question", null=True, blank=True, on_delete=models.SET_NULL, related_name="enrolments"
    )
    referral = models.ForeignKey(
        "referrals.Referral", null=True, blank=True, on_delete=models.SET_NULL, related_name="enrolments"
    )
    enrolling_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    name = EncryptedTextField(_("first name or initials"), blank=True)
    phone = EncryptedTextField(_("phone number"), blank=True)
    email = EncryptedTextField(_("e-mail address"), blank=True)
    consent_text = models.TextField(_("consent text shown"), blank=True)
    consent_given_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10, default="nl")
    personal_data_deleted_at = models.DateTimeField(_("personal data deleted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(places__gte=1, places__lte=2), name="enrolment_one_or_two_places"),
            models.UniqueConstraint(
                fields=["session", "waitlist_position"],
                condition=Q(waitlist_position__isnull=False),
                name="enrolment_waitlist_order",
            ),
            models.CheckConstraint(
                condition=Q(waitlist_position__isnull=True) | Q(status="waitlisted"),
                name="enrolment_position_only_when_waiting",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "offer_expires_at"], name="enrolment_offers"),
            models.Index(fields=["session", "status"], name="enrolment_session_status"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} #{self.pk} {self.status}"

    @property
    def holds_places(self) -> bool:
        return self.status in (EnrolmentStatus.ENROLLED, EnrolmentStatus.OFFERED)


class Attendance(models.Model):
    """Whether an enrolled person came to one meeting, as the teacher marked it."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendances")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    present = models.BooleanField(_("present"))
    marked_at = models.DateTimeField(_("marked at"))
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [models.UniqueConstraint(fields=["enrolment", "meeting"], name="attendance_once")]

    def __str__(self) -> str:
        return f"{self.enrolment_id}@{self.meeting_id} {self.present}"


class CourseNotification(models.Model):
    """One message to a person about their enrolment (confirmation, offer, reminder, change), claimed by its
    unique key before it is sent, so it never goes out twice (as for appointments)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(_("message"), max_length=80)
    channel = models.CharField(_("channel"), max_length=10)
    claimed_at = models.DateTimeField(_("claimed at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failure = models.CharField(_("failure"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("course message")
        verbose_name_plural = _("course messages")
        ordering = ["claimed_at"]
        constraints = [models.UniqueConstraint(fields=["enrolment", "key"], name="course_notification_once")]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.key}"
