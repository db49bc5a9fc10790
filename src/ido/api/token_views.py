"""Pages where coordinators and national administrators make and revoke their organisation's API tokens."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from ido.api import selectors, services
from ido.api.forms import ApiTokenForm
from ido.core.access import permission_required
from ido.core.forms import apply_validation_error


@permission_required("api_tokens.manage")
def token_list(request):
    tokens = selectors.api_tokens_visible_to(request.membership)
    return render(request, "api/token_list.html", {"tokens": tokens})


@never_cache
@permission_required("api_tokens.manage")
def token_create(request):
    form = ApiTokenForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, key = services.create_api_token(actor=request.membership, name=form.cleaned_data["name"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            # The key is shown in this one response and kept nowhere: no redirect, no session, no cache.
            return render(request, "api/token_created.html", {"token": token, "key": key})
    return render(request, "api/token_form.html", {"form": form})


@permission_required("api_tokens.manage")
def token_revoke(request, pk: int):
    token = get_object_or_404(selectors.api_tokens_visible_to(request.membership), pk=pk)
    if token.is_revoked:
        messages.info(request, _("Token %(name)s was already revoked.") % {"name": token.name})
        return redirect("api_tokens:list")
    if request.method == "POST":
        services.revoke_api_token(actor=request.membership, token=token)
        messages.success(request, _("Token %(name)s has been revoked.") % {"name": token.name})
        return redirect("api_tokens:list")
    return render(request, "api/token_revoke.html", {"token": token})
