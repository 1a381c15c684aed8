from django.http import HttpResponse


def floor(request):
    """The benchmark's floor: no work at all, behind the same middleware as every page."""
    return HttpResponse("ok", content_type="text/plain")
