"""The interface language: the person's own choice (the language cookie), otherwise Dutch.

Django's LocaleMiddleware follows the browser's Accept-Language; many Dutch people use an English browser, so
pages start in Dutch and switch only when someone chooses another language. The API is for software, which
states its language in Accept-Language, so there that header counts.
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers

API_PREFIX = "/api/"


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def _language_for(self, request) -> str:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen in self.available:
            return chosen
        if request.path_info.startswith(API_PREFIX):
            return translation.get_language_from_request(request, check_path=False)
        return settings.LANGUAGE_CODE

    def __call__(self, request):
        language = self._language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        response.headers.setdefault("Content-Language", language)
        return response
