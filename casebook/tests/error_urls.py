"""The app's URLs plus one that fails, so a test can see the 500 page as a visitor would."""

from django.urls import path

from casebook.urls import urlpatterns as app_urlpatterns


def boom(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [*app_urlpatterns, path("test-only/boom/", boom)]
