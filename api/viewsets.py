import re

from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import viewsets

from .filters import MAX_ID


class ScopedViewSet(viewsets.GenericViewSet):
    """A viewset whose rows come from the app's team-scoped selectors.

    Subclasses set `model`, `list_for_user(user)` (the list selector) and
    `get_for_user(user, pk)` (the 404-outside-scope accessor the pages use), and map each
    action to a Django permission in `action_permissions`.
    """

    model = None
    action_permissions: dict[str, str] = {}

    def list_for_user(self, user):
        raise NotImplementedError

    def get_for_user(self, user, pk: int):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # Schema generation: there is no user to scope to.
            return self.model.objects.none()
        return self.list_for_user(self.request.user)

    def get_object(self):
        # Any id segment reaches here, so that a malformed one is a JSON 404 like a missing one.
        raw = self.kwargs[self.lookup_field]
        if not re.fullmatch(r"[0-9]{1,19}", raw) or int(raw) > MAX_ID:
            raise Http404(_("No such record."))
        obj = self.get_for_user(self.request.user, int(raw))
        self.check_object_permissions(self.request, obj)
        return obj
