"""Shapes of the public procedure API (read-only)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.urls import NoReverseMatch, reverse
from rest_framework import serializers

from egov.procedures.models import Component, LegalBasis, Method, ProcedureVersion

_CODE_PLACEHOLDER = "0.000000"


@lru_cache(maxsize=1)
def _portal_url_pattern() -> str:
    try:
        return reverse("portal:procedure-detail", kwargs={"code": _CODE_PLACEHOLDER})
    except NoReverseMatch:
        return f"/thu-tuc/{_CODE_PLACEHOLDER}/"


def portal_url(code: str) -> str:
    """Root-relative URL of the procedure's portal page (reversed once per process)."""
    return _portal_url_pattern().replace(_CODE_PLACEHOLDER, code, 1)


def search_item(hit: Any) -> dict[str, Any]:
    """One search result from the search index entry, as ProcedureItemSerializer describes it."""
    return {
        "code": hit.code,
        "name": hit.name,
        "url": portal_url(hit.code),
        "field": {"name": hit.field_name, "slug": hit.field_slug},
        "levels": list(hit.levels),
    }


class FieldSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class ProcedureItemSerializer(serializers.ModelSerializer):
    """One search or browse result."""

    code = serializers.CharField(source="procedure.code", help_text="Mã thủ tục d.dddddd")
    url = serializers.SerializerMethodField(help_text="Trang thủ tục trên cổng dịch vụ công")
    field = FieldSerializer()

    class Meta:
        model = ProcedureVersion
        fields = ["code", "name", "url", "field", "levels"]

    def get_url(self, obj: ProcedureVersion) -> str:
        return portal_url(obj.procedure.code)


class MethodSerializer(serializers.ModelSerializer):
    time_amount = serializers.DecimalField(
        max_digits=7, decimal_places=2, coerce_to_string=True, allow_null=True
    )

    class Meta:
        model = Method
        fields = [
            "channel",
            "time_amount",
            "time_unit",
            "time_text",
            "fee_vnd",
            "fee_text",
            "description",
        ]


class ComponentSerializer(serializers.ModelSerializer):
    template_url = serializers.SerializerMethodField()

    class Meta:
        model = Component
        fields = [
            "case",
            "name",
            "originals",
            "copies",
            "template_name",
            "template_url",
            "reusable",
        ]

    def get_template_url(self, obj: Component) -> str | None:
        return obj.template.url if obj.template else None


class LegalBasisSerializer(serializers.ModelSerializer):
    class Meta:
        model = LegalBasis
        fields = ["number", "summary", "issued_on", "issuer"]


class ProcedureDetailSerializer(ProcedureItemSerializer):
    """The version in force of a procedure, with everything the national database publishes."""

    methods = MethodSerializer(many=True)
    components = ComponentSerializer(many=True)
    legal_bases = LegalBasisSerializer(many=True)

    class Meta:
        model = ProcedureVersion
        fields = [
            "code",
            "name",
            "url",
            "field",
            "levels",
            "procedure_type",
            "action",
            "decision_no",
            "decision_date",
            "effective_from",
            "effective_to",
            "steps",
            "subjects",
            "agency",
            "competent_agency",
            "delegated_agency",
            "coordinating_agencies",
            "receiving_address",
            "result",
            "conditions",
            "keywords",
            "description",
            "fee_exemptions",
            "ministry",
            "processing_time_text",
            "fees_text",
            "flags",
            "portal_url",
            "methods",
            "components",
            "legal_bases",
        ]


class SuggestionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    field = serializers.CharField()
    url = serializers.CharField()


class SuggestionsSerializer(serializers.Serializer):
    query = serializers.CharField()
    results = SuggestionSerializer(many=True)
