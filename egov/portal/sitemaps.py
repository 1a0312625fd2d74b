"""sitemap.xml: every procedure page in force, the catalogue and its per-field list pages."""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.db.models import F
from django.urls import reverse

from egov.procedures.models import Field, Procedure, VersionAction


class ProcedureSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8
    limit = 5000

    def items(self):
        return (
            Procedure.objects.filter(current__isnull=False)
            .exclude(current__action=VersionAction.RESCINDED)
            .order_by("code")
            .only("code")
        )

    def location(self, item: Procedure) -> str:
        return reverse("portal:procedure-detail", kwargs={"code": item.code})


class CatalogueSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        fields = Field.objects.filter(versions__procedure__current=F("versions__id")).distinct()
        return [None, *fields.order_by("slug").values_list("slug", flat=True)]

    def location(self, item: str | None) -> str:
        base = reverse("portal:procedure-list")
        return base if item is None else f"{base}?linh-vuc={item}"


SITEMAPS = {"procedures": ProcedureSitemap, "catalogue": CatalogueSitemap}
