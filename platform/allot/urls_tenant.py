"""A tenant's host: booking site, back office (admin), accounts and the API."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from public_site import manage_views
from public_site import views as site_views
from tenants.admin_site import tenant_admin_site

urlpatterns = [
    path("", site_views.tenant_home, name="tenant-home"),
    path("b/<str:token>/", manage_views.booking_manage, name="booking-manage"),
    path("b/<str:token>/calendar.ics", manage_views.booking_calendar, name="booking-calendar"),
    path("b/<str:token>/cancel/", manage_views.booking_cancel_page, name="booking-cancel"),
    path("b/<str:token>/confirm/", manage_views.booking_confirm_attendance_page, name="booking-confirm"),
    path("admin/", tenant_admin_site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("booking_core.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
