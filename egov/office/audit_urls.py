from django.urls import path

from egov.office.views import audit

urlpatterns = [
    path("", audit.audit_list, name="audit-list"),
    path("<int:seq>/", audit.audit_detail, name="audit-detail"),
]
