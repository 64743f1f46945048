"""A tenant's host: booking site, back office (admin), accounts and the API."""

from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from tenants.admin_site import tenant_admin_site

urlpatterns = [
    path("", include("public_site.urls")),
    path("office/", include("booking_core.backoffice.urls")),
    path("admin/", tenant_admin_site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("booking_core.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file of its own: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
# Uploads under /media/ in development only (`static()` adds nothing when DEBUG is off); the logo pages use is
# served by the app at /brand/logo in every deployment.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "public_site.errors.page_not_found"
handler500 = "public_site.errors.server_error"
# allauth answers a rate-limited sign-in with ROOT_URLCONF's handler429 (this module, on every host).
handler429 = "tenants.accounts.too_many_requests"
