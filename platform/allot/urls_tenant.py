"""A tenant's host: booking site, back office (admin), accounts and the API."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from public_site import views as site_views
from tenants.admin_site import tenant_admin_site

urlpatterns = [
    path("", site_views.tenant_home, name="tenant-home"),
    path("admin/", tenant_admin_site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("booking_core.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
