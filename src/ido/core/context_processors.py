"""Template context for every page: the languages the page offers, each as a link to the same page."""

from django.utils import translation
from django.utils.translation import get_language_info

from ido.core.middleware import LANGUAGE_PARAMETER, languages_for


def languages(request) -> dict:
    """`page_languages`: code, local name, the link (this page with ?lang=) and whether it is the current one."""
    current = translation.get_language()
    query = request.GET.copy()
    choices = []
    for code, _name in languages_for(request.path_info):
        query[LANGUAGE_PARAMETER] = code
        info = get_language_info(code)
        choices.append(
            {
                "code": code,
                "name_local": info["name_local"][:1].upper() + info["name_local"][1:],
                "url": f"{request.path_info}?{query.urlencode()}",
                "current": code == current,
                "bidi": info["bidi"],
            }
        )
    return {"page_languages": choices}
