"""/api/v1/dossiers/, /api/v1/counter-receptions/ and /api/v1/dossier-lookup/."""

from django.urls import path

from egov.dossiers.api import views

app_name = "dossiers_api"

urlpatterns = [
    path("dossiers/", views.DossierListView.as_view(), name="list"),
    path("dossiers/<int:pk>/", views.DossierDetailView.as_view(), name="detail"),
    path(
        "dossiers/<int:pk>/actions/<str:action>/",
        views.DossierActionView.as_view(),
        name="action",
    ),
    path(
        "dossiers/<int:pk>/components/<int:component>/files/",
        views.DossierComponentFilesView.as_view(),
        name="component-files",
    ),
    path("dossiers/<int:pk>/files/<int:file>/", views.DossierFileView.as_view(), name="file"),
    path("dossiers/<int:pk>/result/", views.DossierResultView.as_view(), name="result"),
    path("dossiers/<int:pk>/rating/", views.DossierRatingView.as_view(), name="rating"),
    path("counter-receptions/", views.CounterReceptionView.as_view(), name="counter-reception"),
    path("dossier-lookup/", views.DossierLookupView.as_view(), name="lookup"),
]
