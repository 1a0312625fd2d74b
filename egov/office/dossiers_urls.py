from django.urls import path

from egov.office.views import dossiers

urlpatterns = [
    path("", dossiers.queue, name="dossier-queue"),
    path("tiep-nhan/", dossiers.reception, name="dossier-reception"),
    path("<int:pk>/", dossiers.detail, name="dossier-detail"),
    path("<int:pk>/tai-len/<slug:target>/", dossiers.upload, name="dossier-upload"),
    path("<int:pk>/<slug:action>/", dossiers.act, name="dossier-act"),
]
