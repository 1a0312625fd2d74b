from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.http import HttpResponse
from django.urls import include, path

from egov.portal.sitemaps import SITEMAPS
from egov.portal.views.seo import robots_txt


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("robots.txt", robots_txt, name="robots-txt"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("egov.accounts.urls")),
    path("office/", include("egov.office.urls")),
    path("api/v1/", include("egov.api.urls")),
    path("home/", include("egov.portal.root_urls")),  # name "home": each user's own start page
    path("", include("egov.portal.urls")),
]

if settings.EGOV_BENCH_ENDPOINTS:
    # Baselines for bench/ (never on in production: see docs/configuration.md).
    urlpatterns.insert(0, path("bench/", include("egov.core.bench_urls")))
