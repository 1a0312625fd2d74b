"""Form templates (mẫu đơn, tờ khai) of the demo's common commune procedures.

`DEMO_FORMS` says, for each form, which dossier components use it: procedure code + the exact
component name as the national data publishes it (shared/data/tthc/procedures.json). Only forms
that the component text itself names (form number AND the legal document that publishes it) are
listed; nothing is matched loosely.

The files are not in this repository. They are read from the forms directory
(EGOV_DEMO_FORMS_DIR, else shared/data/forms beside the checkout) as `<stem>.<ext>`, with `ext`
one of the accepted kinds (egov.procedures.form_templates: .pdf, .docx, .odt). A file is attached only when its
entry records where the file came from (`source`) and its SHA-256 matches `sha256`; so a form
enters the demo only with its provenance, and a swapped file is refused, never served.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db.models import F

from egov.core.errors import DomainError
from egov.procedures.form_templates import FORM_KINDS, component_template_set, template_sha256
from egov.procedures.models import Component, VersionAction
from egov.uploads.formats import KINDS

logger = logging.getLogger(__name__)

_QD_24_2021 = "Quyết định số 24/2021/QĐ-TTg"
_ND_151_2025 = "Nghị định số 151/2025/NĐ-CP"
_NQLT_01_2014 = "Nghị quyết liên tịch số 01/2014/NQLT-CP-UBTƯMTTQVN"


@dataclass(frozen=True)
class DemoForm:
    stem: str  # file name without extension, in the forms directory
    title: str  # shown as the component's template name: the form number and its document
    document: str  # the legal document whose appendix publishes the form
    uses: tuple[tuple[str, str], ...]  # (procedure code, exact component name)
    source: str = ""  # where the file was obtained (address, or repository + path + commit)
    sha256: str = ""  # of that file


DEMO_FORMS: tuple[DemoForm, ...] = (
    DemoForm(
        stem="qd-24-2021-qd-ttg-mau-01",
        title=f"Mẫu số 01, Phụ lục ban hành kèm theo {_QD_24_2021}",
        document=_QD_24_2021,
        uses=(
            (
                "1.011607",
                "Giấy đề nghị rà soát hộ nghèo, hộ cận nghèo theo Mẫu số 01 tại Phụ lục ban hành "
                "kèm theo Quyết định số 24/2021/QĐ-TTg",
            ),
            # The published text is cut at "QĐ-T" (as crawled); the number is the one above.
            (
                "1.011609",
                "Giấy đề nghị xác định hộ có mức sống trung bình theo Mẫu số 01 tại Phụ lục ban "
                "hành kèm theo Quyết định số 24/2021/QĐ-T",
            ),
            (
                "3.000412",
                "Giấy đề nghị xác định người lao động có thu nhập thấp (mẫu số 1 Quyết định số "
                "24/2021/QĐ-T",
            ),
        ),
    ),
    DemoForm(
        stem="qd-24-2021-qd-ttg-mau-04",
        title=f"Mẫu số 04, Phụ lục ban hành kèm theo {_QD_24_2021}",
        document=_QD_24_2021,
        uses=(
            (
                "1.011608",
                "Giấy đề nghị công nhận hộ thoát nghèo, hộ thoát cận nghèo theo Mẫu số 04 tại Phụ "
                "lục ban hành kèm theo Quyết định số 24/2021/QĐ-T",
            ),
        ),
    ),
    DemoForm(
        stem="nd-151-2025-nd-cp-mau-15d",
        title=f"Mẫu số 15d ban hành kèm theo {_ND_151_2025}",
        document=_ND_151_2025,
        uses=(
            (
                "1.012753",
                "Báo cáo kết quả rà soát hiện trạng sử dụng đất theo Mẫu số 15d ban hành kèm theo "
                "Nghị định số 151/2025/NĐ-CP.",
            ),
        ),
    ),
    DemoForm(
        stem="nd-151-2025-nd-cp-mau-18",
        title=f"Mẫu số 18 ban hành kèm theo {_ND_151_2025}",
        document=_ND_151_2025,
        uses=(
            (
                "1.012766",
                "(1) Đơn đăng ký biến động đất đai, tài sản gắn liền với đất theo Mẫu số 18 ban "
                "hành kèm theo Nghị định số 151/2025/NĐ-CP.",
            ),
        ),
    ),
    DemoForm(
        stem="nd-151-2025-nd-cp-mau-26",
        title=f"Mẫu số 26 ban hành kèm theo {_ND_151_2025}",
        document=_ND_151_2025,
        uses=(
            (
                "1.013949",
                "Phương án sử dụng tầng đất mặt theo Mẫu số 26 ban hành kèm theo Nghị định số "
                "151/2025/NĐ-CP (đối với trường hợp chuyển mục đích sử dụng đất chuyên trồng lúa);",
            ),
            (
                "1.013949",
                "Phương án sử dụng tầng đất mặt theo Mẫu số 26 ban hành kèm theo Nghị định số "
                "151/2025/NĐ-CP (đối với trường hợp chuyển mục đích sử dụng đất chuyên trồng lúa).",
            ),
        ),
    ),
    DemoForm(
        stem="nqlt-01-2014-mau-06",
        title=f"Mẫu số 06, Phụ lục ban hành kèm theo {_NQLT_01_2014}",
        document=_NQLT_01_2014,
        uses=(
            (
                "1.002211",
                "Danh sách người được đề nghị công nhận là hòa giải viên (Mẫu số 06 tại Phụ lục ban "
                "hành kèm theo Nghị quyết liên tịch số 01/2014/NQLT-CP-UBTƯMTTQVN)",
            ),
        ),
    ),
    DemoForm(
        stem="nqlt-01-2014-mau-08",
        title=f"Mẫu số 08, Phụ lục ban hành kèm theo {_NQLT_01_2014}",
        document=_NQLT_01_2014,
        uses=(
            (
                "2.000930",
                "Văn bản đề nghị ra quyết định thôi làm hòa giải viên (Mẫu số 08 tại Phụ lục ban "
                "hành kèm theo Nghị quyết liên tịch số 01/2014/NQLT-CP-UBTƯMTTQVN",
            ),
        ),
    ),
    DemoForm(
        stem="nqlt-01-2014-mau-09",
        title=f"Mẫu số 09, Phụ lục ban hành kèm theo {_NQLT_01_2014}",
        document=_NQLT_01_2014,
        uses=(
            (
                "2.000930",
                "Báo cáo về việc thôi làm hòa giải viên (Mẫu số 09 tại Phụ lục ban hành kèm theo "
                "Nghị quyết liên tịch số 01/2014/NQLT-CP-UBTƯMTTQVN) trong trường hợp Trưởng ban "
                "công tác Mặt trận, trưởng thôn, tổ trưởng tổ dân phố không đồng ý với đề nghị của "
                "tổ trưởng tổ hòa giải hoặc Trưởng ban công tác Mặt trận và trưởng thôn, tổ trưởng "
                "tổ dân phố không thống nhất được với nhau về đề nghị của tổ trưởng tổ hòa giải",
            ),
        ),
    ),
)


def default_forms_dir() -> Path:
    """EGOV_DEMO_FORMS_DIR, else shared/data/forms beside the checkout."""
    env = os.environ.get("EGOV_DEMO_FORMS_DIR", "").strip()
    if env:
        return Path(env)
    return Path(settings.BASE_DIR).parent / "shared" / "data" / "forms"


@dataclass
class FormsLoad:
    attached: list[str] = field(default_factory=list)  # "code: stem", one per component
    kept: list[str] = field(default_factory=list)  # already attached, same file
    missing: list[str] = field(default_factory=list)  # stems without a file
    refused: dict[str, str] = field(default_factory=dict)  # stem -> why
    unmatched: list[str] = field(default_factory=list)  # "code: component name" not published

    @property
    def procedures(self) -> set[str]:
        return {entry.split(":", 1)[0] for entry in self.attached + self.kept}


FORM_EXTENSIONS = tuple(ext for code in FORM_KINDS for ext in KINDS[code].extensions)


def _file_of(forms_dir: Path, form: DemoForm) -> list[Path]:
    return [
        forms_dir / f"{form.stem}{ext}"
        for ext in FORM_EXTENSIONS
        if (forms_dir / f"{form.stem}{ext}").is_file()
    ]


def _components(code: str, name: str) -> list[Component]:
    """The components of the procedure's version in force named exactly `name`."""
    return list(
        Component.objects.filter(
            version__procedure__code=code,
            version__procedure__current=F("version_id"),
            name=name,
        )
        .exclude(version__action=VersionAction.RESCINDED)
        .order_by("position", "pk")
    )


def attach_demo_forms(
    *, forms_dir: Path | None = None, forms: tuple[DemoForm, ...] = DEMO_FORMS
) -> FormsLoad:
    """Attach each available form file to the components listed for it. Idempotent: a component
    that already has the same file (same SHA-256) and name is left alone."""
    forms_dir = forms_dir or default_forms_dir()
    result = FormsLoad()
    for form in forms:
        files = _file_of(forms_dir, form)
        if not files:
            result.missing.append(form.stem)
            continue
        if len(files) > 1:
            result.refused[form.stem] = "nhiều tệp cùng tên: " + ", ".join(p.name for p in files)
            continue
        path = files[0]
        if not form.source.strip():
            result.refused[form.stem] = "chưa ghi nguồn của tệp"
            continue
        content = path.read_bytes()
        digest = hashlib.sha256(content).hexdigest()
        if digest != form.sha256.strip().lower():
            result.refused[form.stem] = f"SHA-256 {digest} khác giá trị đã ghi"
            continue
        for code, name in form.uses:
            components = _components(code, name)
            if not components:
                result.unmatched.append(f"{code}: {name}")
                continue
            for component in components:
                label = f"{code}: {form.stem}"
                if component.template_name == form.title and template_sha256(component) == digest:
                    result.kept.append(label)
                    continue
                try:
                    component_template_set(
                        actor=None,
                        component=component,
                        filename=path.name,
                        content=content,
                        template_name=form.title,
                    )
                except DomainError as exc:
                    result.refused[form.stem] = str(exc)
                    break
                result.attached.append(label)
    for stem, why in result.refused.items():
        logger.warning("demo form %s refused: %s", stem, why)
    for entry in result.unmatched:
        logger.warning("demo form component not published: %s", entry)
    return result
