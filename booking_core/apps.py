from django.apps import AppConfig


class BookingCoreConfig(AppConfig):
    name = "booking_core"
    verbose_name = "Bookings"
