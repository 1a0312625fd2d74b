from django.urls import path

from egov.office.views import dossiers
from egov.office.views.counter_rating import counter_rating

urlpatterns = [
    path("", dossiers.queue, name="dossier-queue"),
    path("tiep-nhan/", dossiers.reception, name="dossier-reception"),
    path("so-theo-doi/", dossiers.tracking_book, name="dossier-tracking-book"),
    path("<int:pk>/in/<str:form>/", dossiers.print_form, name="dossier-print"),
    path("<int:pk>/", dossiers.detail, name="dossier-detail"),
    path("<int:pk>/danh-gia/", counter_rating, name="dossier-counter-rating"),
    path("<int:pk>/tai-len/<slug:target>/", dossiers.upload, name="dossier-upload"),
    path("<int:pk>/<slug:action>/", dossiers.act, name="dossier-act"),
]
