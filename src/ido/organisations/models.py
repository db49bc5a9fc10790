from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ido.organisations.roles import OrganisationKind, Role, permissions_for
from ido.organisations.validators import validate_cbs_code


class Province(models.TextChoices):
    GRONINGEN = "PV20", "Groningen"
    FRYSLAN = "PV21", "Fryslân"
    DRENTHE = "PV22", "Drenthe"
    OVERIJSSEL = "PV23", "Overijssel"
    FLEVOLAND = "PV24", "Flevoland"
    GELDERLAND = "PV25", "Gelderland"
    UTRECHT = "PV26", "Utrecht"
    NOORD_HOLLAND = "PV27", "Noord-Holland"
    ZUID_HOLLAND = "PV28", "Zuid-Holland"
    ZEELAND = "PV29", "Zeeland"
    NOORD_BRABANT = "PV30", "Noord-Brabant"
    LIMBURG = "PV31", "Limburg"


class Municipality(models.Model):
    """A Dutch municipality (gemeente) as CBS lists it."""

    cbs_code = models.CharField(
        _("CBS code"),
        max_length=6,
        unique=True,
        validators=[validate_cbs_code],
        help_text=_("GM followed by four digits, for example GM0363."),
    )
    name = models.CharField(_("name"), max_length=100)
    province = models.CharField(_("province"), max_length=4, choices=Province.choices)
    valid_from = models.DateField(_("exists since"), null=True, blank=True)
    valid_until = models.DateField(
        _("exists until"), null=True, blank=True, help_text=_("Filled when the municipality merged or ended.")
    )

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(cbs_code__regex=r"^GM[0-9]{4}$"), name="municipality_cbs_code_format")
        ]

    def __str__(self) -> str:
        return self.name


class MunicipalityPopulation(models.Model):
    """Inhabitants of a municipality on 1 January of a year (CBS)."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="populations"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    inhabitants = models.PositiveIntegerField(_("inhabitants"))

    class Meta:
        verbose_name = _("population figure")
        verbose_name_plural = _("population figures")
        ordering = ["municipality", "-year"]
        constraints = [models.UniqueConstraint(fields=["municipality", "year"], name="population_one_per_year")]

    def __str__(self) -> str:
        return f"{self.municipality} {self.year}: {self.inhabitants}"


class Organisation(models.Model):
    """A library, municipality, partner organisation or national body."""

    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    name = models.CharField(_("name"), max_length=200)
    municipality = models.OneToOneField(
        Municipality,
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisation",
        help_text=_("Only for a municipality: which municipality this organisation is."),
    )
    served_municipalities = models.ManyToManyField(
        Municipality,
        verbose_name=_("municipalities served"),
        blank=True,
        related_name="libraries",
        help_text=_("Only for a library: the municipalities it serves."),
    )
    is_national_partner = models.BooleanField(
        _("national partner"),
        default=False,
        help_text=_("Only for a partner: a national organisation such as the Belastingdienst or UWV."),
    )
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone number"), max_length=30, blank=True)
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=OrganisationKind.MUNICIPALITY, municipality__isnull=False)
                | (~Q(kind=OrganisationKind.MUNICIPALITY) & Q(municipality__isnull=True)),
                name="organisation_municipality_only_for_municipalities",
            ),
            models.UniqueConstraint(fields=["kind", "name"], name="organisation_unique_name_per_kind"),
        ]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True, organisation__is_active=True, user__is_active=True)


class Membership(models.Model):
    """A user's role in an organisation. A user may hold several memberships and picks one to act for."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    is_volunteer = models.BooleanField(
        _("volunteer"), default=False, help_text=_("Only for desk staff: this person works as a volunteer.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation__name", "user__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"],
                condition=Q(ended_at__isnull=True),
                name="membership_one_active_per_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.organisation}"

    @property
    def permissions(self) -> frozenset[str]:
        return permissions_for(self.role)

    def has_perm(self, permission: str) -> bool:
        return permission in self.permissions
