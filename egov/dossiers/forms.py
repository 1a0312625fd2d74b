"""Forms shared by the portal and the office: the satisfaction rating (DOMAIN.md 5), filled by the
applicant online, from the lookup page, or on the counter's tablet."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _lazy

from egov.core.forms import clean_text
from egov.dossiers.models import Satisfaction

CRITERIA_LABELS = (
    _lazy("Thời gian giải quyết so với quy định"),
    _lazy("Thời gian của từng cơ quan, đơn vị tham gia giải quyết"),
    _lazy("Số lần phải liên hệ để hoàn thiện hồ sơ"),
    _lazy("Số cơ quan, đơn vị phải liên hệ để hoàn thiện hồ sơ"),
    _lazy("Tiếp nhận, giải quyết, trả kết quả qua bộ phận một cửa"),
    _lazy("Công khai thủ tục hành chính"),
    _lazy("Thái độ của cán bộ khi hướng dẫn, tiếp nhận, giải quyết"),
    _lazy("Tiếp nhận, xử lý phản ánh, kiến nghị"),
    _lazy("Tiến độ, chất lượng cung cấp dịch vụ công trực tuyến"),
)


class RatingForm(forms.Form):
    overall = forms.ChoiceField(
        label=_lazy("Mức độ hài lòng"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_lazy("Ý kiến khác"), required=False, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _lazy("Không đánh giá")), *Satisfaction.choices]
        for n, label in enumerate(CRITERIA_LABELS, start=1):
            self.fields[f"c{n}"] = forms.ChoiceField(
                label=f"{n}. {label}", choices=choices, required=False
            )

    def clean_comment(self) -> str:
        return clean_text(self.cleaned_data.get("comment") or "")

    def criteria(self) -> dict[str, str]:
        return {
            str(n): self.cleaned_data[f"c{n}"]
            for n in range(1, len(CRITERIA_LABELS) + 1)
            if self.cleaned_data.get(f"c{n}")
        }
