"""The back office's addresses on a tenant's host, under /office/."""

from django.urls import path

from booking_core.backoffice import views as office_views
from tenants.signup import views as signup_views

urlpatterns = [
    path("handoff/", signup_views.handoff, name="office-handoff"),
    path("", office_views.office_home, name="office-home"),
]
