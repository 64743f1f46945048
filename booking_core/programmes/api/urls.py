"""Programme endpoints under /api/v1/ (included from booking_core.api.urls)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

import allot.url_converters  # noqa: F401  (the `token` converter)
from booking_core.programmes.api import operator_views as operator
from booking_core.programmes.api import public_views as public

router = SimpleRouter()
router.register("programmes", operator.ProgrammeViewSet, basename="operator-programme")
nested = SimpleRouter()
for prefix, viewset in [("groups", operator.GroupViewSet), ("form-fields", operator.FormFieldViewSet),
                        ("signups", operator.SignUpViewSet), ("offers", operator.OfferViewSet),
                        ("log", operator.LogViewSet)]:
    nested.register(rf"programmes/(?P<programme_id>\d+)/{prefix}", viewset, basename=f"operator-programme-{prefix}")

urlpatterns = [
    path("programmes/", public.ProgrammeListView.as_view(), name="api-programmes"),
    path("programmes/<int:programme_id>/", public.ProgrammeDetailView.as_view(), name="api-programme"),
    path("programmes/<int:programme_id>/signups/", public.SignUpCreateView.as_view(), name="api-programme-signup"),
    path("programmes/signups/<token:token>/", public.SignUpStatusView.as_view(), name="api-programme-signup-status"),
    path("programmes/signups/<token:token>/withdraw/", public.SignUpWithdrawView.as_view(),
         name="api-programme-signup-withdraw"),
    path("programmes/offers/<token:token>/", public.OfferView.as_view(), name="api-programme-offer"),
    path("programmes/offers/<token:token>/accept/", public.OfferAcceptView.as_view(),
         name="api-programme-offer-accept"),
    path("programmes/offers/<token:token>/decline/", public.OfferDeclineView.as_view(),
         name="api-programme-offer-decline"),
    path("operator/", include(router.urls)),
    path("operator/", include(nested.urls)),
]
