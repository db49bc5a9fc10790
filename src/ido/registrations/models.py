"""Anonymous registration of IDO visits and their questions (outputregistratie).

No field here holds anything about the visitor as a person: coarse, optional characteristics only. The terms
(topics, organisations, help given) are national vocabularies; a retired term stays on old registrations.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ido.locations.models import Location
from ido.organisations.models import Organisation


class GovernmentLayer(models.TextChoices):
    NATIONAL = "national", _("National government")
    MUNICIPAL = "municipal", _("Municipality")
    OTHER_PUBLIC = "other_public", _("Other public body")
    PRIVATE = "private", _("Private organisation")


class LinkPoint(models.TextChoices):
    """What a kind of help hands over to a later module: a warm referral or a course enrolment."""

    NONE = "", _("Nothing")
    REFERRAL = "referral", _("Referral to an organisation")
    COURSE = "course", _("Course")


class Channel(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    APPOINTMENT = "appointment", _("Appointment")
    PHONE = "phone", _("Phone")
    PARTNER_LOCATION = "partner_location", _("At a partner location")


class DurationBand(models.TextChoices):
    UNDER_10 = "under_10", _("Under 10 minutes")
    FROM_10_TO_20 = "10_20", _("10 to 20 minutes")
    FROM_20_TO_40 = "20_40", _("20 to 40 minutes")
    OVER_40 = "over_40", _("Over 40 minutes")


class AgeBand(models.TextChoices):
    UNKNOWN = "", _("Not asked")
    UNDER_25 = "under_25", _("Under 25")
    FROM_25_TO_44 = "25_44", _("25 to 44")
    FROM_45_TO_64 = "45_64", _("45 to 64")
    FROM_65 = "65_plus", _("65 or older")


class YesNoUnknown(models.TextChoices):
    UNKNOWN = "", _("Unknown")
    YES = "yes", _("Yes")
    NO = "no", _("No")


class VocabularyTerm(models.Model):
    """A term of a national list. Retired terms cannot be chosen any more but stay on old registrations."""

    code = models.SlugField(_("code"), max_length=60, unique=True, help_text=_("Stable name for exports and the API."))
    label_nl = models.CharField(_("label (Dutch)"), max_length=120)
    label_en = models.CharField(_("label (English)"), max_length=120)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    retired_on = models.DateField(
        _("retired on"), null=True, blank=True, help_text=_("From this date the term cannot be chosen any more.")
    )

    class Meta:
        abstract = True
        ordering = ["sort_order", "label_nl"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.label_en if translation.get_language() == "en" else self.label_nl


class KbDimension(models.TextChoices):
    TOPIC = "topic", _("Type of question")
    ORGANISATION = "organisation", _("Organisation")
    HELP = "help", _("Help given")


class KbCategory(VocabularyTerm):
    """A category of the national (KB) outputregistration. Our terms map onto these, so a library's figures
    can be handed over in the national layout without retyping. The official KB list is not public; the
    starting list is provisional and national administrators keep it up to date."""

    dimension = models.CharField(_("dimension"), max_length=20, choices=KbDimension.choices)

    class Meta(VocabularyTerm.Meta):
        verbose_name = _("KB category")
        verbose_name_plural = _("KB categories")
        ordering = ["dimension", "sort_order", "label_nl"]


def _kb_category_field(dimension: str) -> models.ForeignKey:
    return models.ForeignKey(
        KbCategory,
        verbose_name=_("KB category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"dimension": dimension},
        help_text=_("Where this term is counted in the national (KB) layout."),
    )


class Topic(VocabularyTerm):
    """What a question is about (onderwerp), e.g. DigiD or allowances."""

    kb_category = _kb_category_field(KbDimension.TOPIC)

    parent = models.ForeignKey(
        "self", verbose_name=_("main topic"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta(VocabularyTerm.Meta):
        verbose_name = _("topic")
        verbose_name_plural = _("topics")


class ServiceOrganisation(VocabularyTerm):
    """The organisation a question concerns (betrokken organisatie); its government layer follows from it."""

    government_layer = models.CharField(_("government layer"), max_length=20, choices=GovernmentLayer.choices)
    kb_category = _kb_category_field(KbDimension.ORGANISATION)

    class Meta(VocabularyTerm.Meta):
        verbose_name = _("organisation concerned")
        verbose_name_plural = _("organisations concerned")


class HelpGiven(VocabularyTerm):
    """What the desk did with a question (geboden hulp)."""

    link_point = models.CharField(
        _("hands over to"),
        max_length=20,
        choices=LinkPoint.choices,
        blank=True,
        help_text=_("A referral or a course: the referral and course modules pick these questions up."),
    )
    kb_category = _kb_category_field(KbDimension.HELP)

    class Meta(VocabularyTerm.Meta):
        verbose_name = _("help given")
        verbose_name_plural = _("help given")


class Visit(models.Model):
    """One visitor at the desk (bezoek), with one or more questions. Anonymous by design."""

    location = models.ForeignKey(Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="visits")
    # Copied from the location when the visit is saved: scoping and figures per library need no join.
    library = models.ForeignKey(
        Organisation, verbose_name=_("library"), on_delete=models.PROTECT, related_name="visits", editable=False
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registered_visits",
        db_index=False,  # visit_own_latest starts with it
    )
    occurred_at = models.DateTimeField(_("date and time"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.WALK_IN)
    duration_band = models.CharField(
        _("duration"), max_length=10, choices=DurationBand.choices, default=DurationBand.FROM_10_TO_20
    )
    age_band = models.CharField(_("age"), max_length=10, choices=AgeBand.choices, blank=True)
    dutch_as_second_language = models.CharField(
        _("Dutch as a second language"), max_length=7, choices=YesNoUnknown.choices, blank=True
    )
    first_visit = models.CharField(_("first visit"), max_length=7, choices=YesNoUnknown.choices, blank=True)
    note = models.CharField(
        _("note"), max_length=200, blank=True, help_text=_("A few words. Never a name, BSN, phone number or e-mail.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # Covering: the overview's visit counts are an index-only scan on PostgreSQL (docs/performance.md).
            # Aggregate another visit column there? Add it to `include`.
            models.Index(
                fields=["library", "occurred_at"], include=["id", "channel", "age_band"], name="visit_library_cover"
            ),
            models.Index(fields=["location", "occurred_at"], name="visit_location_time"),
            # "Same as last visit": one index lookup instead of sorting all of a person's visits.
            models.Index(fields=["registered_by", "library", "-created_at", "-id"], name="visit_own_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.location} {self.occurred_at:%Y-%m-%d %H:%M}"


class Question(models.Model):
    """One question of a visit (hulpvraag). Location, library and time are copied from the visit so the
    national figures (millions of questions) aggregate from this table alone."""

    visit = models.ForeignKey(Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("number"), default=1)
    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.PROTECT, related_name="questions")
    service_organisation = models.ForeignKey(
        ServiceOrganisation,
        verbose_name=_("organisation concerned"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="questions",
    )
    help_given = models.ForeignKey(
        HelpGiven, verbose_name=_("help given"), on_delete=models.PROTECT, related_name="questions"
    )
    solved = models.CharField(_("solved"), max_length=7, choices=YesNoUnknown.choices, blank=True)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+", editable=False)
    library = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", editable=False)
    occurred_at = models.DateTimeField(editable=False)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["visit", "position"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "position"], name="question_unique_position"),
            models.CheckConstraint(condition=Q(position__gte=1), name="question_position_from_one"),
        ]
        indexes = [
            # Covering: the overview's question counts are an index-only scan on PostgreSQL (docs/performance.md).
            models.Index(
                fields=["library", "occurred_at"],
                include=["id", "topic", "service_organisation", "help_given", "location"],
                name="question_library_cover",
            ),
            models.Index(fields=["location", "occurred_at"], name="question_location_time"),
            models.Index(fields=["occurred_at"], name="question_time"),
        ]

    def __str__(self) -> str:
        return f"{self.visit} #{self.position}: {self.topic}"


class FavouriteTopic(models.Model):
    """A topic a desk worker registers often: one click on the form registers a common visit about it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourite_topics", verbose_name=_("user")
    )
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+", verbose_name=_("topic"))

    class Meta:
        verbose_name = _("favourite topic")
        verbose_name_plural = _("favourite topics")
        constraints = [models.UniqueConstraint(fields=["user", "topic"], name="favourite_topic_once")]

    def __str__(self) -> str:
        return f"{self.user} {self.topic}"


class RegistrationSettings(models.Model):
    """A library's choices for registration. No row means the defaults."""

    library = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="registration_settings", verbose_name=_("library")
    )
    ask_visitor_characteristics = models.BooleanField(
        _("ask visitor characteristics"),
        default=True,
        help_text=_("Age, Dutch as a second language and first visit: coarse and optional. Off: never asked."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("registration settings")
        verbose_name_plural = _("registration settings")

    def __str__(self) -> str:
        return str(self.library)
