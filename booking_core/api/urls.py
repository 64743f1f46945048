"""/api/v1/ on a tenant's host."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

import allot.url_converters  # noqa: F401  (the `token` converter)
from booking_core.api import operator_views as operator
from booking_core.api import public_views as public
from booking_core.waitlist.api import views as waitlist

router = SimpleRouter()
router.register("services", operator.ServiceViewSet, basename="operator-service")
router.register("staff", operator.StaffViewSet, basename="operator-staff")
router.register("sessions", operator.SessionViewSet, basename="operator-session")
router.register("bookings", operator.BookingViewSet, basename="operator-booking")
router.register("waitlist", waitlist.WaitlistEntryViewSet, basename="operator-waitlist")
router.register("offers", waitlist.OfferViewSet, basename="operator-offer")

nested = SimpleRouter()
nested.register(r"services/(?P<service_id>\d+)/form-fields", operator.FormFieldViewSet, basename="operator-form-field")
nested.register(r"staff/(?P<staff_id>\d+)/working-hours", operator.WorkingHoursViewSet,
                basename="operator-working-hours")
nested.register(r"staff/(?P<staff_id>\d+)/overrides", operator.OverrideViewSet, basename="operator-override")
nested.register(r"staff/(?P<staff_id>\d+)/time-off", operator.TimeOffViewSet, basename="operator-time-off")

urlpatterns = [
    path("services/", public.ServiceListView.as_view(), name="api-services"),
    path("services/<int:service_id>/", public.ServiceDetailView.as_view(), name="api-service"),
    path("services/<int:service_id>/slots/", public.SlotListView.as_view(), name="api-service-slots"),
    path("services/<int:service_id>/sessions/", public.SessionListView.as_view(), name="api-service-sessions"),
    path("bookings/", public.BookingCreateView.as_view(), name="api-booking-create"),
    path("bookings/manage/<token:token>/", public.ManageBookingView.as_view(), name="api-booking-manage"),
    path("bookings/manage/<token:token>/cancel/", public.ManageCancelView.as_view(), name="api-booking-cancel"),
    path("bookings/manage/<token:token>/reschedule/", public.ManageRescheduleView.as_view(),
         name="api-booking-reschedule"),
    path("waitlist/", waitlist.WaitlistJoinView.as_view(), name="api-waitlist-join"),
    path("waitlist/<token:token>/", waitlist.WaitlistEntryView.as_view(), name="api-waitlist-entry"),
    path("waitlist/<token:token>/leave/", waitlist.WaitlistLeaveView.as_view(), name="api-waitlist-leave"),
    path("offers/<token:token>/", waitlist.OfferView.as_view(), name="api-offer"),
    path("offers/<token:token>/accept/", waitlist.OfferAcceptView.as_view(), name="api-offer-accept"),
    path("offers/<token:token>/decline/", waitlist.OfferDeclineView.as_view(), name="api-offer-decline"),
    path("operator/", include(router.urls)),
    path("operator/", include(nested.urls)),
    path("", include("booking_core.programmes.api.urls")),
]
