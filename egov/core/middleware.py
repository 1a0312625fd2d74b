"""Request-wide input rules: Vietnamese first, and text composed to NFC."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, QueryDict
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from egov.core import vntext


class VietnameseFirstLocaleMiddleware(LocaleMiddleware):
    """Like Django's LocaleMiddleware, but the browser's Accept-Language is not consulted: a
    public office's platform speaks Vietnamese until the user picks English with the switch
    (which sets the language cookie)."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


def _nfc_querydict(data: QueryDict) -> QueryDict:
    normalised = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        normalised.setlist(vntext.nfc(key), [vntext.nfc(v) for v in values])
    normalised._mutable = False
    return normalised


class NFCInputMiddleware:
    """All text input is composed to NFC before any view reads it: query strings and form
    fields. A multipart body larger than the request limit is left unread here, so that its view
    can refuse it before reading (services still pass text through `vntext.clean`). JSON bodies
    are composed by the API's parser."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.GET:
            request.GET = _nfc_querydict(request.GET)
        if request.method == "POST" and self._small_form(request):
            request.POST = _nfc_querydict(request.POST)
        return self.get_response(request)

    @staticmethod
    def _small_form(request: HttpRequest) -> bool:
        if request.content_type == "application/x-www-form-urlencoded":
            return True
        if request.content_type != "multipart/form-data":
            return False
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return False
        return 0 < length <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class DomainErrorMiddleware:
    """A domain error that a page did not turn into a message next to its field still answers
    as what it is: not found 404, forbidden 403, anything else 400 (never a server error)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        from django.core.exceptions import BadRequest, PermissionDenied
        from django.http import Http404

        from egov.core.errors import DomainError, Forbidden, NotFound

        if isinstance(exception, NotFound):
            raise Http404(str(exception.message)) from exception
        if isinstance(exception, Forbidden):
            raise PermissionDenied(str(exception.message)) from exception
        if isinstance(exception, DomainError):
            raise BadRequest(str(exception.message)) from exception
        return None
