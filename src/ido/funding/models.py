"""Municipal funding of the IDOs: the state's specific grant per year (FundingScheme) and per municipality
(Allocation, with corrections and the advance), the municipality's grants to its library (LibraryGrant with
instalments), its spending by purpose (Expenditure), the year's account (YearAccount), and the documents it
generates from its own templates (DocumentTemplate, GeneratedDocument).

Money is `Decimal` euros with cents. The rules (computed amounts, year end, carry-over, forecast) are pure
functions in `rules.py`; nothing here assumes the grant exists every year: a year without a scheme has no grant.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ido.funding import rules
from ido.organisations.models import Municipality, Organisation

MONEY = {"max_digits": 12, "decimal_places": 2}


class CarryOverRule(models.TextChoices):
    RESERVE_FIRST = "reserve_first", _("The reserve carried in is spent first; what is left of it lapses")
    ALLOCATION_FIRST = "allocation_first", _("This year's grant is spent first, then the reserve; what is left lapses")


def default_indicators() -> dict:
    """SiSa indicator codes of the account, by what they hold; the official codes are set per year."""
    return {"spent": "", "reserve_built": "", "reserve_used": "", "final": ""}


class FundingScheme(models.Model):
    """The specific grant of one year: its legal basis, rates and rules, as data."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    legal_reference = models.CharField(_("legal reference"), max_length=200, blank=True)
    rate_per_inhabitant = models.DecimalField(_("rate per inhabitant"), max_digits=6, decimal_places=4)
    rate_per_low_educated = models.DecimalField(
        _("rate per inhabitant aged 15–75 with at most vmbo"), max_digits=6, decimal_places=4
    )
    advance_percent = models.DecimalField(_("advance (%)"), max_digits=5, decimal_places=2, default=100)
    reserve_cap_percent = models.DecimalField(
        _("reserve cap (percentage of the year's allocation)"), max_digits=5, decimal_places=2, default=25
    )
    carry_over_rule = models.CharField(
        _("carry-over rule"), max_length=20, choices=CarryOverRule.choices, default=CarryOverRule.RESERVE_FIRST
    )
    accounting_deadline = models.DateField(_("accounting deadline"), null=True, blank=True)
    sisa_indicators = models.JSONField(_("SiSa indicator codes"), default=default_indicators, blank=True)

    class Meta:
        verbose_name = _("funding scheme")
        verbose_name_plural = _("funding schemes")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate_per_inhabitant__gte=0, rate_per_low_educated__gte=0), name="scheme_rates_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(reserve_cap_percent__gte=0, reserve_cap_percent__lte=100), name="scheme_cap_is_a_percentage"
            ),
            models.CheckConstraint(
                condition=Q(advance_percent__gte=0, advance_percent__lte=100), name="scheme_advance_is_a_percentage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.year}"


class Allocation(models.Model):
    """The grant of one year to one municipality. The legal amount is the annex's (imported); the components
    (inhabitants, and those aged 15–75 with at most vmbo) give the computed amount. Both are kept."""

    scheme = models.ForeignKey(
        FundingScheme, verbose_name=_("funding scheme"), on_delete=models.PROTECT, related_name="allocations"
    )
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="allocations"
    )
    annex_amount = models.DecimalField(_("amount in the annex"), null=True, blank=True, **MONEY)
    inhabitants = models.PositiveIntegerField(_("inhabitants"), null=True, blank=True)
    low_educated = models.PositiveIntegerField(_("inhabitants aged 15–75 with at most vmbo"), null=True, blank=True)
    computed_amount = models.DecimalField(_("computed amount"), null=True, blank=True, **MONEY)
    is_demo = models.BooleanField(_("demo figures"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["scheme__year", "municipality__name"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "municipality"], name="allocation_once_per_year"),
            models.CheckConstraint(
                condition=Q(annex_amount__isnull=True) | Q(annex_amount__gte=0), name="allocation_annex_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.scheme.year}"

    @property
    def base_amount(self):
        """The legal amount when the annex is known, else the computed one (None when neither is)."""
        return self.annex_amount if self.annex_amount is not None else self.computed_amount

    @property
    def difference(self):
        """Annex minus computed, where both exist."""
        if self.annex_amount is None or self.computed_amount is None:
            return None
        return self.annex_amount - self.computed_amount


class AllocationCorrection(models.Model):
    """A change to the year's allocation during the year (up or down), with its reason."""

    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE, related_name="corrections")
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    reason = models.CharField(_("reason"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("allocation correction")
        verbose_name_plural = _("allocation corrections")
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"{self.allocation} {self.date} {self.amount}"


class AdvancePayment(models.Model):
    """A payment of the grant by the state (100% in advance when granted)."""

    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE, related_name="advances")
    paid_on = models.DateField(_("paid on"))
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        verbose_name = _("advance payment")
        verbose_name_plural = _("advance payments")
        ordering = ["paid_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="advance_positive")]

    def __str__(self) -> str:
        return f"{self.allocation} {self.paid_on} {self.amount}"


class GrantStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    DECIDED = "decided", _("Decided")


class LibraryGrant(models.Model):
    """The municipality's grant decision to a library for its IDOs, with what the library undertakes."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="library_grants"
    )
    library = models.ForeignKey(
        Organisation, verbose_name=_("library"), on_delete=models.PROTECT, related_name="grants_received"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    amount = models.DecimalField(_("amount"), **MONEY)
    status = models.CharField(_("status"), max_length=10, choices=GrantStatus.choices, default=GrantStatus.DRAFT)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    activities = models.TextField(_("activities"), blank=True)
    locations = models.PositiveSmallIntegerField(_("number of IDO locations"), default=1)
    hours_per_week = models.DecimalField(_("opening hours per week"), max_digits=5, decimal_places=1, default=0)
    promotion = models.TextField(_("promotion"), blank=True)
    reporting_dates = models.JSONField(_("reporting dates"), default=list, blank=True)
    quality_review = models.TextField(_("quality review or certification"), blank=True)
    internal_note = models.TextField(
        _("internal note"), blank=True, help_text=_("Only for your own municipality: other funders do not see it.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("library grant")
        verbose_name_plural = _("library grants")
        ordering = ["-year", "municipality__name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="grant_amount_not_negative"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="grant_period_forward"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} → {self.library} {self.year}"


class Instalment(models.Model):
    """One payment of a library grant: when it is due and when it was paid."""

    grant = models.ForeignKey(LibraryGrant, on_delete=models.CASCADE, related_name="instalments")
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(_("amount"), **MONEY)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["due_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_positive")]

    def __str__(self) -> str:
        return f"{self.grant} {self.due_on} {self.amount}"


class Purpose(models.TextChoices):
    LIBRARY = "library", _("Funding the library for IDOs")
    PROMOTION = "promotion", _("Promotion")
    NETWORK = "network", _("Directing the network")


class Stage(models.TextChoices):
    COMMITTED = "committed", _("Committed")
    PAID = "paid", _("Paid")


class Expenditure(models.Model):
    """A line of spending against the year's grant: committed (obligated) or paid (realised)."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="expenditures"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.PAID)
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    description = models.CharField(_("description"), max_length=200)
    grant = models.ForeignKey(
        LibraryGrant,
        verbose_name=_("library grant"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expenditures",
    )
    evidence = models.FileField(_("evidence"), upload_to="funding/evidence/%Y/", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("expenditure")
        verbose_name_plural = _("expenditures")
        ordering = ["-date", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="expenditure_positive")]
        indexes = [models.Index(fields=["municipality", "year"], name="expenditure_year")]

    def __str__(self) -> str:
        # No amount: the audit trail shows this label to national administrators, who do not see spending.
        return f"{self.municipality} {self.year} #{self.pk}"


class YearAccount(models.Model):
    """The year's account of one municipality. Closing it fixes the figures (a snapshot) and makes the year
    read-only; reopening needs a reason. The reserve it keeps is carried into the next year."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="year_accounts"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    final = models.BooleanField(_("final account"), default=False)
    reserved = models.DecimalField(_("reserved for next year"), default=0, **MONEY)
    figures = models.JSONField(_("figures when closed"), default=dict, blank=True)

    class Meta:
        verbose_name = _("year account")
        verbose_name_plural = _("year accounts")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year"], name="account_once_per_year"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="account_reserve_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.year}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class DocumentKind(models.TextChoices):
    GRANT_DECISION = "grant_decision", _("Grant decision")
    COOPERATION_AGREEMENT = "cooperation_agreement", _("Cooperation agreement")


class DocumentTemplate(models.Model):
    """The text of a document as a municipality words it, with ${placeholders}. Every change is a new version."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="document_templates"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices)
    version = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("text"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "kind", "version"], name="template_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.kind} v{self.version}"


class GeneratedDocument(models.Model):
    """A document made for a library grant: the filled text and the PDF, stored, versioned and reproducible
    from the template version and the values it was filled with."""

    grant = models.ForeignKey(LibraryGrant, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices)
    version = models.PositiveIntegerField(_("version"))
    template = models.ForeignKey(DocumentTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    values = models.JSONField(_("values filled in"))
    text = models.TextField(_("text"))
    pdf = models.BinaryField(_("PDF"))
    sha256 = models.CharField(_("checksum"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("generated document")
        verbose_name_plural = _("generated documents")
        ordering = ["kind", "-version"]
        constraints = [models.UniqueConstraint(fields=["grant", "kind", "version"], name="document_version_once")]

    def __str__(self) -> str:
        return f"{self.grant} {self.kind} v{self.version}"


assert set(CarryOverRule.values) == set(rules.CARRY_OVER_RULES), "every rule choice has its function"
