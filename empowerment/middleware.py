"""Language choice: Persian pages unless a person chose English; the API follows the client."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class PortalLocaleMiddleware(LocaleMiddleware):
    """Pages are Persian by default, whatever the browser's Accept-Language says.

    Many residents' phones are set to English while they read Persian, so a page switches
    to English only when the person picks it (the language cookie set by /i18n/setlang/).
    API clients state their language per request with Accept-Language, as the API's
    contract says.
    """

    api_prefix = "/api/"

    def process_request(self, request):
        if request.path_info.startswith(self.api_prefix):
            return super().process_request(request)
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
