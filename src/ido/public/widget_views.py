"""For the municipal officer: the widget of the municipality (the snippet to copy and the websites that may show
it) and the posters and flyers of its IDO locations."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ido.core.access import permission_required
from ido.core.forms import apply_validation_error
from ido.locations.selectors import public_locations
from ido.public import embedding, services
from ido.public.forms import EmbeddingSiteForm

IFRAME_HEIGHT = 480


def snippet_for(municipality) -> tuple[str, str]:
    """The widget's address and the HTML to paste into a website."""
    url = settings.IDO_BASE_URL + reverse("public:widget", kwargs={"cbs_code": municipality.cbs_code})
    title = _("Help with digital government in %(name)s") % {"name": municipality.name}
    snippet = (
        f'<iframe src="{url}" title="{escape(title)}" width="100%" height="{IFRAME_HEIGHT}" loading="lazy"></iframe>'
    )
    return url, snippet


@permission_required("widget.manage")
def manage(request):
    municipality = services.widget_municipality_of(request.membership)
    form = EmbeddingSiteForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            site = services.add_embedding_site(actor=request.membership, origin=form.cleaned_data["origin"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("%(origin)s can now show the widget.") % {"origin": site.origin})
            return redirect("widget:manage")
    url, snippet = snippet_for(municipality)
    return render(
        request,
        "widget/manage.html",
        {
            "municipality": municipality,
            "form": form,
            "sites": embedding.sites_of(municipality),
            "max_sites": embedding.MAX_SITES_PER_MUNICIPALITY,
            "widget_url": url,
            "snippet": snippet,
            "locations": public_locations().filter(municipality=municipality).order_by("city", "name"),
        },
    )


@require_POST
@permission_required("widget.manage")
def remove(request, pk: int):
    municipality = services.widget_municipality_of(request.membership)
    site = get_object_or_404(embedding.sites_of(municipality), pk=pk)
    services.remove_embedding_site(actor=request.membership, site=site)
    messages.success(request, _("%(origin)s can no longer show the widget.") % {"origin": site.origin})
    return redirect("widget:manage")
