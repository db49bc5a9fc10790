"""The interface language: the person's own choice (the language cookie), otherwise Dutch.

Django's LocaleMiddleware follows the browser's Accept-Language; many Dutch people use an English browser, so
pages start in Dutch and switch only when someone chooses another language. The API is for software, which
states its language in Accept-Language, so there that header counts.

The public pages offer six languages through plain links (`?lang=ar`): no form, no JavaScript, and the choice is
kept in the language cookie. The pages for staff come in Dutch and English only (IDO_STAFF_LANGUAGES); a public
language they do not have shows them in Dutch.
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers

API_PREFIX = "/api/"
STAFF_PREFIXES = ("/app/", "/accounts/")
# Pages that take ?lang= for that page only: the widget lives inside other websites' pages, where its address says
# the language; a cookie there would make the response private and uncacheable.
LANGUAGE_BY_ADDRESS_ONLY = ("/widget/",)
LANGUAGE_PARAMETER = "lang"


def is_staff_path(path: str) -> bool:
    return path.startswith(STAFF_PREFIXES)


def languages_for(path: str) -> list[tuple[str, str]]:
    """The languages a page offers: all of them on public pages, the staff languages on the others."""
    if is_staff_path(path):
        return [(code, name) for code, name in settings.LANGUAGES if code in settings.IDO_STAFF_LANGUAGES]
    return list(settings.LANGUAGES)


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def _language_for(self, request) -> tuple[str, bool]:
        """The language, and whether the visitor chose it just now (a ?lang= link)."""
        if request.method in ("GET", "HEAD") and not request.path_info.startswith(API_PREFIX):
            asked = request.GET.get(LANGUAGE_PARAMETER)
            if asked in self.available:
                return asked, True
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen in self.available:
            return chosen, False
        if request.path_info.startswith(API_PREFIX):
            return translation.get_language_from_request(request, check_path=False), False
        return settings.LANGUAGE_CODE, False

    def __call__(self, request):
        language, just_chosen = self._language_for(request)
        shown = language
        if is_staff_path(request.path_info) and language not in settings.IDO_STAFF_LANGUAGES:
            shown = settings.LANGUAGE_CODE
        translation.activate(shown)
        request.LANGUAGE_CODE = shown
        response = self.get_response(request)
        if just_chosen and not request.path_info.startswith(LANGUAGE_BY_ADDRESS_ONLY):
            # A response that sets a cookie is for this visitor only: no shared cache may keep it.
            patch_cache_control(response, private=True)
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        # Pages depend on the language cookie; only the API also on Accept-Language.
        api = request.path_info.startswith(API_PREFIX)
        patch_vary_headers(response, ("Cookie", "Accept-Language") if api else ("Cookie",))
        response.headers.setdefault("Content-Language", shown)
        return response
