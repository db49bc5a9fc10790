"""The documents a municipality generates for a library grant: the grant decision (subsidiebeschikking) and the
cooperation agreement (samenwerkingsovereenkomst).

A municipality words them itself: a `DocumentTemplate` holds the text with ${placeholders}, and every change is a
new version. The text is filled with `string.Template.safe_substitute` and nothing else: the text is the
municipality's own, so it never goes through Django's template engine or `str.format` (which would let it reach
attributes and settings); a placeholder we do not know stays as it is written. The filled text is then shown as
plain, escaped text in the PDF.

A little layout in the text, line by line: "# " starts the title, "## " a heading, "- " an item of a list, and an
empty line ends a paragraph.

Reproducible: a generated document stores the template version, the values it was filled with (as text) and the
filled text; `fill(template.text, values)` gives that text again. The values are formatted in Dutch (the language of
the documents) whatever language the officer uses.
"""

import string
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import weasyprint
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext_lazy as _

from ido.funding import selectors
from ido.funding.models import DocumentKind, DocumentTemplate, GeneratedDocument, GrantStatus, LibraryGrant
from ido.organisations.models import OrganisationKind

DOCUMENT_PDF_TEMPLATE = "funding/documents/document_pdf.html"
DOCUMENT_LANGUAGE = "nl"

# The names of the placeholders, with what each holds (shown to the officer who edits a text).
PLACEHOLDERS: dict[str, object] = {
    "gemeente": _("The name of the municipality."),
    "bibliotheek": _("The name of the library."),
    "periode_van": _("The first day of the grant period."),
    "periode_tot": _("The last day of the grant period."),
    "bedrag": _("The amount of the grant, for example € 1.234,56."),
    "activiteiten": _("The activities of the grant."),
    "aantal_locaties": _("The number of IDO locations."),
    "uren_per_week": _("The opening hours per week."),
    "promotie": _("What the library does to promote the IDO."),
    "rapportagedata": _("The reporting dates."),
    "kwaliteit": _("The quality review or certification."),
    "betaalschema": _("The payment schedule: the instalments with their dates."),
    "datum": _("The date the document is made."),
    "regeling": _("The funding scheme of the year, with its legal reference."),
}

# Where a value is empty, the document says so rather than leaving a gap in a sentence.
EMPTY = "—"

# The texts a municipality starts from. They are the content of Dutch legal documents, not text of the screens:
# they stay Dutch in every language of the platform, and each municipality changes them as it sees fit.
DEFAULT_TEXTS: dict[str, str] = {
    DocumentKind.GRANT_DECISION: """\
# Subsidiebeschikking Informatiepunt Digitale Overheid

${datum}

Aan: ${bibliotheek}
Onderwerp: subsidie voor het Informatiepunt Digitale Overheid van ${periode_van} tot en met ${periode_tot}

## Besluit

Het college van burgemeester en wethouders van ${gemeente} verleent ${bibliotheek} een subsidie van \
${bedrag} voor het realiseren en in stand houden van het Informatiepunt Digitale Overheid (IDO) in de periode \
van ${periode_van} tot en met ${periode_tot}.

## Grondslag

De gemeente ontvangt voor de Informatiepunten Digitale Overheid een specifieke uitkering van het Rijk: \
${regeling}. Deze subsidie wordt uit die uitkering betaald.

## Activiteiten

Met deze subsidie voert ${bibliotheek} de volgende activiteiten uit:

${activiteiten}

## Verplichtingen

Aan deze subsidie zijn de volgende verplichtingen verbonden:

- ${bibliotheek} houdt ${aantal_locaties} IDO-locatie(s) in de gemeente open, samen ${uren_per_week} uur per week.
- Promotie: ${promotie}
- ${bibliotheek} rapporteert over de activiteiten en de besteding op: ${rapportagedata}.
- Kwaliteit: ${kwaliteit}
- ${bibliotheek} registreert de vragen aan het IDO anoniem in de landelijke outputregistratie.

## Betaling

De subsidie wordt als volgt betaald: ${betaalschema}.

Het college kan de subsidie lager vaststellen als de activiteiten niet of niet helemaal zijn uitgevoerd of als \
niet aan de verplichtingen is voldaan.

## Bezwaar

Bent u het niet eens met dit besluit? Dan kunt u binnen zes weken na de dag waarop dit besluit is verzonden \
bezwaar maken bij het college van burgemeester en wethouders van ${gemeente}.

Met vriendelijke groet,

het college van burgemeester en wethouders van ${gemeente}
""",
    DocumentKind.COOPERATION_AGREEMENT: """\
# Samenwerkingsovereenkomst Informatiepunt Digitale Overheid

## Partijen

- de gemeente ${gemeente}, hierna: de gemeente;
- ${bibliotheek}, hierna: de bibliotheek.

## Overwegingen

- Het Informatiepunt Digitale Overheid (IDO) helpt inwoners die moeite hebben met de digitale overheid, in de \
bibliotheek en op andere plekken in de gemeente.
- De gemeente ontvangt hiervoor een specifieke uitkering van het Rijk: ${regeling}. Daarmee financiert zij de \
bibliotheek.
- Partijen willen hun samenwerking rond het IDO vastleggen.

## Artikel 1 Doel

Partijen werken samen zodat alle inwoners van de gemeente die hulp nodig hebben bij de digitale overheid die \
hulp dichtbij en zonder drempels krijgen.

## Artikel 2 Duur

Deze overeenkomst geldt van ${periode_van} tot en met ${periode_tot}.

## Artikel 3 Inzet van de bibliotheek

De bibliotheek houdt ${aantal_locaties} IDO-locatie(s) in de gemeente open, samen ${uren_per_week} uur per week, \
en voert de volgende activiteiten uit:

${activiteiten}

## Artikel 4 Inzet van de gemeente

De gemeente verleent de bibliotheek voor deze periode een subsidie van ${bedrag}, bij afzonderlijke beschikking. \
De gemeente wijst één vast aanspreekpunt aan voor het IDO en betrekt de bibliotheek bij het netwerk van \
organisaties rond het IDO.

## Artikel 5 Promotie

Partijen maken het IDO samen bekend bij de inwoners: ${promotie}

## Artikel 6 Rapportage en overleg

De bibliotheek rapporteert over de activiteiten en de besteding op: ${rapportagedata}. Partijen overleggen ten \
minste twee keer per jaar over de voortgang, en stemmen af met de andere gemeenten die de bibliotheek financieren.

## Artikel 7 Kwaliteit

${kwaliteit}

## Artikel 8 Privacy

De bibliotheek registreert de vragen aan het IDO anoniem. Persoonsgegevens van inwoners worden alleen verwerkt \
als dat nodig is om hen te helpen, en nooit aan de gemeente doorgegeven zonder hun toestemming.

## Artikel 9 Slotbepalingen

Wijzigingen van deze overeenkomst gelden alleen als partijen ze schriftelijk vastleggen.

Aldus overeengekomen op ${datum}.

Namens de gemeente ${gemeente}:

Namens ${bibliotheek}:
""",
}

# The file names of the downloads, in the language of the documents.
FILE_NAMES = {
    DocumentKind.GRANT_DECISION: "subsidiebeschikking",
    DocumentKind.COOPERATION_AGREEMENT: "samenwerkingsovereenkomst",
}


# --- Filling ------------------------------------------------------------------------------------------------------


def fill(text: str, values: dict[str, str]) -> str:
    """The text with its placeholders filled. Only the names in `values` are replaced; anything else (an unknown
    placeholder, a lone $, Django's {{ }}) stays exactly as it is written."""
    return string.Template(text).safe_substitute(values)


def placeholder(name: str) -> str:
    """How a placeholder is written in a text: ${name}."""
    return "${" + name + "}"


def unknown_placeholders(text: str) -> list[str]:
    """The ${names} in the text that are not ours (a typo stays literal in the document)."""
    return sorted(set(string.Template(text).get_identifiers()) - set(PLACEHOLDERS))


def format_euro(amount: Decimal) -> str:
    """€ 1.234,56: Dutch grouping and decimal comma, always two decimals."""
    grouped = f"{amount:,.2f}"
    return "€ " + grouped.replace(",", " ").replace(".", ",").replace(" ", ".")


def format_number(number: Decimal) -> str:
    """12,5 or 12: a Dutch decimal comma, no trailing zeros."""
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def format_date(day: date) -> str:
    """1 maart 2026."""
    with translation.override(DOCUMENT_LANGUAGE):
        return formats.date_format(day, "j F Y")


def format_list(items: list[str]) -> str:
    """a, b en c."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " en " + items[-1]


def _or_empty(text: str) -> str:
    return text.strip() or EMPTY


def grant_values(grant: LibraryGrant, *, today: date) -> dict[str, str]:
    """The values of the placeholders for one grant, as text (what the generated document stores)."""
    scheme = selectors.scheme_for(grant.year)
    regeling = ""
    if scheme is not None:
        regeling = scheme.name + (f" ({scheme.legal_reference})" if scheme.legal_reference else "")
    reporting = [format_date(date.fromisoformat(day)) for day in grant.reporting_dates or []]
    instalments = [f"{format_date(i.due_on)}: {format_euro(i.amount)}" for i in grant.instalments.order_by("due_on")]
    return {
        "gemeente": grant.municipality.name,
        "bibliotheek": grant.library.name,
        "periode_van": format_date(grant.starts_on),
        "periode_tot": format_date(grant.ends_on),
        "bedrag": format_euro(grant.amount),
        "activiteiten": _or_empty(grant.activities),
        "aantal_locaties": str(grant.locations),
        "uren_per_week": format_number(grant.hours_per_week),
        "promotie": _or_empty(grant.promotion),
        "rapportagedata": format_list(reporting) or EMPTY,
        "kwaliteit": _or_empty(grant.quality_review),
        "betaalschema": "; ".join(instalments) or EMPTY,
        "datum": format_date(today),
        "regeling": regeling or EMPTY,
    }


def refill(document: GeneratedDocument) -> str:
    """The document's text made again from its template version and stored values."""
    assert document.template is not None
    return fill(document.template.text, document.values)


# --- Layout -------------------------------------------------------------------------------------------------------


@dataclass
class Block:
    kind: str  # "h1", "h2", "p" or "ul"
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def blocks(text: str) -> list[Block]:
    """The filled text as titles, headings, paragraphs and lists (see the module's notes)."""
    result: list[Block] = []
    current: Block | None = None
    for raw in text.splitlines():
        stripped = raw.strip().replace("€ ", "€\u00a0")  # an amount is not split over two lines
        if not stripped:
            current = None
        elif stripped.startswith(("# ", "## ")):
            level, _space, heading = stripped.partition(" ")
            result.append(Block("h1" if level == "#" else "h2", [heading.strip()]))
            current = None
        elif stripped.startswith("- "):
            if current is None or current.kind != "ul":
                current = Block("ul")
                result.append(current)
            current.lines.append(stripped[2:].strip())
        else:
            if current is None or current.kind != "p":
                current = Block("p")
                result.append(current)
            current.lines.append(stripped)
    return result


def render_pdf(html: str) -> bytes:
    """HTML to PDF. The fetcher allows only `data:` addresses, so rendering never reaches the network."""
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()


def document_pdf(*, kind: str, text: str, version: int) -> bytes:
    """The PDF of a filled text, in the language of the documents."""
    with translation.override(DOCUMENT_LANGUAGE):
        html = render_to_string(
            DOCUMENT_PDF_TEMPLATE,
            {"blocks": blocks(text), "kind_label": DocumentKind(kind).label, "version": version},
        )
    return render_pdf(html)


# --- Reads --------------------------------------------------------------------------------------------------------


def current_template(municipality, kind: str) -> DocumentTemplate | None:
    return DocumentTemplate.objects.filter(municipality=municipality, kind=kind).order_by("-version").first()


def grants_with_documents_for(actor) -> QuerySet[LibraryGrant]:
    """The grants whose documents the actor sees: a municipality's officer those of its own grants; a library's
    coordinator those of decided grants to the library (to read, not to make)."""
    grants = LibraryGrant.objects.select_related("municipality", "library")
    own = selectors.own_municipality(actor)
    if own is not None:
        return grants.filter(municipality=own)
    if actor.has_perm("funding.view") and actor.organisation.kind == OrganisationKind.LIBRARY:
        return grants.filter(library=actor.organisation, status=GrantStatus.DECIDED)
    return grants.none()


def documents_visible_to(actor) -> QuerySet[GeneratedDocument]:
    return GeneratedDocument.objects.select_related("grant").filter(grant__in=grants_with_documents_for(actor))
