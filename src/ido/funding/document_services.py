"""Writes of the generated documents: a new version of a municipality's document text, and a new version of a
grant's document. Typed, atomic and audited; only the municipality's own officers write."""

import hashlib
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from ido.core import audit
from ido.funding import documents, selectors
from ido.funding.models import DocumentKind, DocumentTemplate, GeneratedDocument, LibraryGrant, YearAccount
from ido.organisations.models import Municipality

MAX_TEMPLATE_LENGTH = 50_000


def _record(actor, action: str, target, **detail) -> None:
    audit.record(
        actor=actor.user,
        organisation=actor.organisation,
        action=action,
        target=target,
        detail={key: str(value) for key, value in detail.items()},
    )


def _require_officer(actor, municipality: Municipality) -> None:
    if not selectors.may_manage(actor, municipality):
        raise PermissionDenied


def _require_kind(kind: str) -> None:
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": _("Choose one of the documents.")})


def _clean_text(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ValidationError({"text": _("Write the text of the document.")})
    if len(text) > MAX_TEMPLATE_LENGTH:
        raise ValidationError(
            {"text": _("The text is too long: at most %(count)s characters.") % {"count": MAX_TEMPLATE_LENGTH}}
        )
    unknown = documents.unknown_placeholders(text)
    if unknown:
        raise ValidationError(
            {
                "text": _(
                    "Unknown placeholders: %(names)s. Use only the placeholders listed, or write $$ for a dollar sign."
                )
                % {"names": ", ".join(documents.placeholder(name) for name in unknown)}
            }
        )
    return text


def _new_template_version(*, actor, municipality: Municipality, kind: str, text: str) -> DocumentTemplate:
    # The lock on the municipality's row makes two officers saving at once get versions one after the other.
    Municipality.objects.select_for_update().get(pk=municipality.pk)
    current = documents.current_template(municipality, kind)
    if current is not None and current.text == text:
        return current
    template = DocumentTemplate.objects.create(
        municipality=municipality,
        kind=kind,
        version=(current.version if current else 0) + 1,
        text=text,
        created_by=actor.user,
    )
    _record(actor, "funding.template.saved", template, kind=kind, version=template.version)
    return template


@transaction.atomic
def save_template(*, actor, municipality: Municipality, kind: str, text: str) -> DocumentTemplate:
    """A new version of the municipality's text of one kind of document (the same text again changes nothing).
    Refused: an empty or very long text, and placeholders we do not know (they would stay literal)."""
    _require_officer(actor, municipality)
    _require_kind(kind)
    return _new_template_version(actor=actor, municipality=municipality, kind=kind, text=_clean_text(text))


@transaction.atomic
def generate_document(*, actor, grant: LibraryGrant, kind: str, today: date | None = None) -> GeneratedDocument:
    """A new version of one of the grant's documents: the municipality's current text (its default text, saved as
    the first version, when it has none yet) filled with the grant's values, stored with the values, the PDF and
    its checksum. Refused on a closed year: its documents are kept as they are."""
    _require_officer(actor, grant.municipality)
    _require_kind(kind)
    account = YearAccount.objects.filter(municipality=grant.municipality, year=grant.year).first()
    if account is not None and account.is_closed:
        raise ValidationError(
            {"kind": _("The year %(year)s is closed: reopen it with a reason first.") % {"year": grant.year}}
        )
    today = today or timezone.localdate()
    template = documents.current_template(grant.municipality, kind) or _new_template_version(
        actor=actor, municipality=grant.municipality, kind=kind, text=documents.DEFAULT_TEXTS[kind]
    )
    # The lock on the grant's row gives two officers generating at once versions one after the other.
    grant = LibraryGrant.objects.select_for_update().select_related("municipality", "library").get(pk=grant.pk)
    latest = GeneratedDocument.objects.filter(grant=grant, kind=kind).aggregate(latest=Max("version"))["latest"]
    version = (latest or 0) + 1
    values = documents.grant_values(grant, today=today)
    text = documents.fill(template.text, values)
    pdf = documents.document_pdf(kind=kind, text=text, version=version)
    document = GeneratedDocument.objects.create(
        grant=grant,
        kind=kind,
        version=version,
        template=template,
        values=values,
        text=text,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        created_by=actor.user,
    )
    _record(
        actor,
        "funding.document.generated",
        grant,
        kind=kind,
        version=version,
        template_version=template.version,
        sha256=document.sha256,
    )
    return document
