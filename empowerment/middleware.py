"""Language choice (Persian pages unless a person chose English; the API follows the
client) and the request id with its log line."""

import logging
import time

from django.conf import settings
from django.core.signals import request_finished
from django.dispatch import receiver
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from empowerment.kernel import logs

request_logger = logging.getLogger("empowerment.request")


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


class RequestLogMiddleware:
    """Gives every request an id and logs one line when it ends.

    The id is the incoming X-Request-ID when it is safe (a reverse proxy's id, so that its
    log and ours name the same request), else a new one; it is returned in the response's
    X-Request-ID and written on every log record of the request (empowerment/kernel/logs.py). The
    line logs the path with its query string: the handler's ScrubFilter drops the values.
    First in MIDDLEWARE, so that every other middleware's records carry the id.
    """

    header = "X-Request-ID"
    probes = frozenset({"/healthz", "/readyz"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = logs.valid_request_id(request.headers.get(self.header))
        request_id = request_id or logs.new_request_id()
        request.request_id = request_id
        # Not reset when the middleware returns: Django logs a 4xx/5xx ("Not Found: ...")
        # after the whole chain, so the id is cleared when the response is closed instead.
        logs.request_id_var.set(request_id)
        started = time.monotonic()
        response = self.get_response(request)
        response[self.header] = request_id
        # Health probes come every few seconds from the container runtime: their lines are
        # kept for DEBUG unless they fail.
        quiet = request.path_info in self.probes and response.status_code < 400
        request_logger.log(
            logging.DEBUG if quiet else logging.INFO,
            "%s %s %s %.0fms",
            request.method,
            request.get_full_path(),
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        return response


@receiver(request_finished)
def _forget_request_id(**kwargs):
    # A worker thread's next lines (or its next request's first ones) are not this request's.
    logs.request_id_var.set(None)
