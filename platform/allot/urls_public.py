"""The root domain: landing page, organisation sign-up, platform staff admin and console, accounts."""

from django.contrib import admin
from django.urls import include, path

from public_site import views as site_views
from tenants.signup import views as signup_views

urlpatterns = [
    path("", site_views.landing, name="landing"),
    path("signup/", signup_views.organisation_signup, name="organisation-signup"),
    path("signup/subdomain-check/", signup_views.subdomain_check, name="organisation-signup-subdomain-check"),
    path("robots.txt", site_views.robots_txt, name="robots-txt"),
    path("admin/", admin.site.urls),
    path("console/", include("tenants.console.urls")),
    path("accounts/", include("allauth.urls")),
    # Stripe's webhooks (billing): one endpoint per purpose.
    path("stripe/webhooks/", include("billing.urls")),
]

handler404 = "public_site.errors.page_not_found"
handler500 = "public_site.errors.server_error"
