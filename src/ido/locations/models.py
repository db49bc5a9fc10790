from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ido.locations.validators import validate_postcode
from ido.organisations.models import Municipality, Organisation


class LocationStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Staffing(models.TextChoices):
    STAFF = "staff", _("Paid staff")
    VOLUNTEERS = "volunteers", _("Volunteers")
    MIXED = "mixed", _("Paid staff and volunteers")


class Weekday(models.IntegerChoices):
    # A context of their own: Django's date formats translate the bare "Monday" for use inside sentences
    # ("maandag"), while these labels start a row or an option ("Maandag").
    MONDAY = 0, pgettext_lazy("weekday as a label", "Monday")
    TUESDAY = 1, pgettext_lazy("weekday as a label", "Tuesday")
    WEDNESDAY = 2, pgettext_lazy("weekday as a label", "Wednesday")
    THURSDAY = 3, pgettext_lazy("weekday as a label", "Thursday")
    FRIDAY = 4, pgettext_lazy("weekday as a label", "Friday")
    SATURDAY = 5, pgettext_lazy("weekday as a label", "Saturday")
    SUNDAY = 6, pgettext_lazy("weekday as a label", "Sunday")


# Languages a desk can help in; codes from ISO 639-1.
SPOKEN_LANGUAGES = [
    ("nl", _("Dutch")),
    ("en", _("English")),
    ("ar", _("Arabic")),
    ("tr", _("Turkish")),
    ("pl", _("Polish")),
    ("uk", _("Ukrainian")),
    ("de", _("German")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("ti", _("Tigrinya")),
    ("fa", _("Persian")),
    ("so", _("Somali")),
    ("pap", _("Papiamento")),
    ("fy", _("Frisian")),
    ("ngt", _("Dutch Sign Language")),
]


class Location(models.Model):
    """An IDO help point (IDO-locatie), inside a library building or elsewhere."""

    library = models.ForeignKey(
        Organisation,
        verbose_name=_("library"),
        on_delete=models.PROTECT,
        related_name="locations",
        limit_choices_to={"kind": "library"},
    )
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="locations"
    )
    name = models.CharField(_("name"), max_length=200)
    street = models.CharField(_("street"), max_length=200)
    house_number = models.CharField(_("house number"), max_length=20)
    postcode = models.CharField(
        _("postcode"), max_length=7, validators=[validate_postcode], help_text=_("For example 1234 AB.")
    )
    city = models.CharField(_("place"), max_length=100)
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    in_library = models.BooleanField(
        _("inside a library building"),
        default=True,
        help_text=_("Untick for a help point elsewhere, for example in a community centre."),
    )
    venue = models.CharField(_("building"), max_length=200, blank=True, help_text=_("For example: Buurthuis De Kroon."))
    step_free = models.BooleanField(_("step-free access"), default=False)
    hearing_loop = models.BooleanField(_("hearing loop"), default=False)
    accessible_toilet = models.BooleanField(_("accessible toilet"), default=False)
    quiet_room = models.BooleanField(_("quiet room"), default=False)
    languages = models.JSONField(
        _("languages spoken"), default=list, blank=True, help_text=_("Languages the desk can help in.")
    )
    staffing = models.CharField(_("staffing"), max_length=20, choices=Staffing.choices, default=Staffing.MIXED)
    phone = models.CharField(_("phone number"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=LocationStatus.choices, default=LocationStatus.OPEN)
    open_on_public_holidays = models.BooleanField(
        _("open on public holidays"),
        default=False,
        help_text=_("Most help points are closed on Dutch public holidays."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("IDO location")
        verbose_name_plural = _("IDO locations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["library", "name"], name="location_unique_name_per_library"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def address(self) -> str:
        return f"{self.street} {self.house_number}, {self.postcode} {self.city}"

    def language_labels(self) -> list[str]:
        labels = dict(SPOKEN_LANGUAGES)
        return [str(labels.get(code, code)) for code in self.languages]

    def accessibility_labels(self) -> list[str]:
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in ("step_free", "hearing_loop", "accessible_toilet", "quiet_room")
            if getattr(self, name)
        ]


class OpeningHours(models.Model):
    """One block of weekly opening hours, e.g. Tuesday 10:00–12:30. A day may have several blocks."""

    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.CASCADE, related_name="opening_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=Q(closes__gt=F("opens")), name="opening_hours_close_after_open"),
            models.UniqueConstraint(fields=["location", "weekday", "opens"], name="opening_hours_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class OpeningException(models.Model):
    """A date on which the weekly hours do not apply: closed, or open at other times."""

    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.CASCADE, related_name="opening_exceptions"
    )
    date = models.DateField(_("date"))
    is_closed = models.BooleanField(_("closed all day"), default=True)
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True, help_text=_("For example: staff training."))

    class Meta:
        verbose_name = _("opening exception")
        verbose_name_plural = _("opening exceptions")
        ordering = ["date", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_closed=True, opens__isnull=True, closes__isnull=True)
                | Q(is_closed=False, opens__isnull=False, closes__isnull=False, closes__gt=F("opens")),
                name="opening_exception_closed_or_valid_hours",
            ),
        ]

    def __str__(self) -> str:
        if self.is_closed:
            return f"{self.date:%d-%m-%Y}: {_('closed')}"
        return f"{self.date:%d-%m-%Y}: {self.opens:%H:%M}–{self.closes:%H:%M}"
