"""The account of a year as files (CSV, XLSX, PDF) and the generated documents of the library grants.

The account shows spending details: only the municipality's own officers download it (a national administrator
sees the accounts' status elsewhere, not these files). A grant's documents are made by the granting municipality's
officers; the library's coordinator reads those of decided grants to the library.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from ido.core.access import permission_required
from ido.core.forms import apply_validation_error
from ido.funding import account as year_accounts
from ido.funding import document_services, documents, selectors
from ido.funding.document_forms import GenerateForm, TemplateForm
from ido.funding.models import DocumentKind, DocumentTemplate, GeneratedDocument, YearAccount

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _own_municipality(request):
    municipality = selectors.own_municipality(request.membership)
    if municipality is None:
        raise PermissionDenied
    return municipality


def _account(request, year: int) -> year_accounts.Account:
    account = year_accounts.year_account(_own_municipality(request), year, today=timezone.localdate())
    if account is None:
        raise Http404
    return account


def _download(content: bytes, content_type: str, filename: str, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    return response


@never_cache  # spending details: no copy in a shared cache
@permission_required("funding.manage")
def account_csv(request, year: int):
    account = _account(request, year)
    return _download(
        year_accounts.account_csv(account), "text/csv; charset=utf-8", year_accounts.filename(account, "csv")
    )


@never_cache
@permission_required("funding.manage")
def account_xlsx(request, year: int):
    account = _account(request, year)
    return _download(year_accounts.account_xlsx(account), XLSX, year_accounts.filename(account, "xlsx"))


@never_cache
@permission_required("funding.manage")
def account_pdf(request, year: int):
    account = _account(request, year)
    pdf = year_accounts.account_pdf(account, today=timezone.localdate())
    return _download(pdf, "application/pdf", year_accounts.filename(account, "pdf"), inline=True)


# --- Document texts ---------------------------------------------------------------------------------------------


@dataclass
class TemplateSection:
    kind: str
    label: str
    current: DocumentTemplate | None
    form: TemplateForm
    versions: list[DocumentTemplate]


@permission_required("funding.manage")
def templates(request):
    """The municipality's text of each kind of document: the current version to edit (saving makes a new
    version), the earlier versions, and the placeholders explained."""
    actor = request.membership
    municipality = _own_municipality(request)
    posted = request.POST.get("kind") if request.method == "POST" else None
    if posted is not None and posted not in DocumentKind.values:
        posted = None
    versions = list(DocumentTemplate.objects.filter(municipality=municipality).select_related("created_by"))
    sections = []
    for kind, label in DocumentKind.choices:
        of_kind = [template for template in versions if template.kind == kind]  # newest first (model ordering)
        current = of_kind[0] if of_kind else None
        initial = {"text": current.text if current else documents.DEFAULT_TEXTS[kind]}
        form = TemplateForm(data=request.POST if posted == kind else None, prefix=kind, initial=initial)
        if posted == kind and form.is_valid():
            try:
                saved = document_services.save_template(
                    actor=actor, municipality=municipality, kind=kind, text=form.cleaned_data["text"]
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request,
                    _("The text of the %(kind)s is saved as version %(version)s.")
                    % {"kind": str(label).lower(), "version": saved.version},
                )
                return redirect("funding:templates")
        sections.append(TemplateSection(kind, str(label), current, form, of_kind))
    return render(
        request,
        "funding/documents/templates.html",
        {
            "sections": sections,
            "placeholders": [(documents.placeholder(name), text) for name, text in documents.PLACEHOLDERS.items()],
            "municipality": municipality,
        },
    )


# --- A grant's documents -------------------------------------------------------------------------------------------


@dataclass
class DocumentSection:
    kind: str
    label: str
    documents: list[GeneratedDocument]


@permission_required("funding.view")
def grant_documents(request, pk: int):
    """The generated documents of one grant, every version; the officer generates a new version of each."""
    actor = request.membership
    grant = get_object_or_404(documents.grants_with_documents_for(actor), pk=pk)
    may_generate = selectors.may_manage(actor, grant.municipality)
    form = GenerateForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not may_generate:
            raise PermissionDenied
        if form.is_valid():
            try:
                document = document_services.generate_document(actor=actor, grant=grant, kind=form.cleaned_data["kind"])
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request,
                    _("Version %(version)s of the %(kind)s has been made.")
                    % {"version": document.version, "kind": document.get_kind_display().lower()},
                )
                return redirect("funding:grant_documents", pk=grant.pk)
    made = list(
        GeneratedDocument.objects.filter(grant=grant)
        .defer("pdf", "text")
        .select_related("created_by", "template")
        .order_by("kind", "-version")
    )
    sections = [
        DocumentSection(kind, str(label), [document for document in made if document.kind == kind])
        for kind, label in DocumentKind.choices
    ]
    account = YearAccount.objects.filter(municipality=grant.municipality, year=grant.year).first()
    return render(
        request,
        "funding/documents/grant_documents.html",
        {
            "grant": grant,
            "sections": sections,
            "form": form,
            "may_generate": may_generate,
            "year_closed": account is not None and account.is_closed,
        },
    )


@permission_required("funding.view")
def document_pdf(request, pk: int):
    """The stored PDF of a generated document, exactly as it was made."""
    document = get_object_or_404(documents.documents_visible_to(request.membership), pk=pk)
    filename = f"{documents.FILE_NAMES[document.kind]}-{document.grant_id}-v{document.version}.pdf"
    return _download(bytes(document.pdf), "application/pdf", filename, inline=True)
