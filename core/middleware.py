from django.http import JsonResponse
from django.utils.translation import gettext as _

from .responses import unprocessable
from .text import fields_with_nul


class RefuseNulCharacters:
    """Answer 422 to a request whose query or form fields hold a NUL character.

    Nothing reaches a view, so nothing is stored. The page names the fields, so the
    person can go back (their browser keeps what they typed) and send again. The API
    answers 400 with the same message as JSON, as it does for every other invalid field;
    its JSON bodies are left to its serializers, whose text fields refuse a NUL themselves.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = request.path.startswith("/api/")
        fields = fields_with_nul(request.GET)
        if request.method == "POST" and not api:
            fields += [name for name in fields_with_nul(request.POST) if name not in fields]
        if not fields:
            return self.get_response(request)
        message = _(
            "Not saved: %(fields)s contained a NUL character (an invisible control character, "
            "usually from a damaged copy and paste). Go back, remove it and send again."
        ) % {"fields": ", ".join(fields)}
        if api:
            return JsonResponse({name: [message] for name in fields}, status=400)
        return unprocessable(request, message)
