"""Template context for every page: the languages the page offers, each as a link to the same page."""

from urllib.parse import quote

from django.utils import translation
from django.utils.http import escape_leading_slashes
from django.utils.translation import get_language_info

from ido.core.middleware import LANGUAGE_PARAMETER, languages_for


def languages(request) -> dict:
    """`page_languages`: code, local name, the link (this page with ?lang=) and whether it is the current one."""
    current = translation.get_language()
    # The path as a link that stays on this site: a 404 page for "//host/" or "/\\host/" must not lead there.
    path = escape_leading_slashes(quote(request.path))
    query = request.GET.copy()
    choices = []
    for code, _name in languages_for(request.path_info):
        query[LANGUAGE_PARAMETER] = code
        info = get_language_info(code)
        choices.append(
            {
                "code": code,
                "name_local": info["name_local"][:1].upper() + info["name_local"][1:],
                "url": f"{path}?{query.urlencode()}",
                "current": code == current,
                "bidi": info["bidi"],
            }
        )
    return {"page_languages": choices}
