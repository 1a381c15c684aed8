"""/api/: v1 endpoints from each app's `api.routes`, the OpenAPI schema and the offline docs.

Adding an app's endpoints: give it an `api.py` with a `routes` list and add it to ROUTES.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from api import views
from clients import api as clients_api
from escalations import api as escalations_api
from interactions import api as interactions_api
from playbooks import api as playbooks_api

# escalations first: it adds the escalate action under clients' /cases/ prefix, and the API
# root lists each prefix by the last viewset registered for it (clients', which has the list).
ROUTES = [*escalations_api.routes, *playbooks_api.routes, *clients_api.routes, *interactions_api.routes]

# No ".json" suffix routes: every client sends Accept, and the suffix broke custom actions.
router = DefaultRouter()
router.include_format_suffixes = False
for prefix, viewset, basename in ROUTES:
    router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Last: any other path under /api/ is a JSON 404, not the site's HTML error page.
    re_path(r"", views.endpoint_not_found),
]
