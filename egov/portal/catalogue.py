"""How the public portal groups the catalogue for browsing.

These groupings are OUR OWN aids to finding a procedure, not an official classification:

* Audience (đối tượng) is derived from the published "Đối tượng thực hiện" text (`subjects`):
  a procedure is for citizens when that text mentions "Công dân" or "cá nhân", and for businesses
  when it mentions "Doanh nghiệp" or "tổ chức" (either capitalisation). A procedure can be both
  (e.g. "Công dân Việt Nam, Doanh nghiệp") or neither (e.g. "Cán bộ, công chức, viên chức").
* Life events (sự kiện cuộc sống) map to fields (lĩnh vực) exactly as the national catalogue names
  them (every name below occurs in /work/shared/data/tthc/procedures.json; a test checks it).
* Agency (cơ quan thực hiện) is a substring match on the published agency text. On PostgreSQL it
  ignores case for every letter; SQLite's LIKE ignores case for ASCII letters only.
* In force: a procedure whose current version exists and is not the rescinding decision.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

AUDIENCE_WORDS = {
    "citizen": ("Công dân", "công dân", "Cá nhân", "cá nhân"),
    "business": ("Doanh nghiệp", "doanh nghiệp", "Tổ chức", "tổ chức"),
}

AUDIENCES = {
    "citizen": _("Người dân"),
    "business": _("Doanh nghiệp, tổ chức"),
}


def audience_q(audience: str, prefix: str = "") -> Q:
    """Rows whose `subjects` text names the audience (see the module docstring)."""
    q = Q()
    for word in AUDIENCE_WORDS[audience]:
        q |= Q(**{f"{prefix}subjects__contains": word})
    return q


@dataclass(frozen=True)
class LifeEvent:
    slug: str
    label: str
    fields: tuple[str, ...]


LIFE_EVENTS: tuple[LifeEvent, ...] = (
    LifeEvent(
        "sinh-con",
        _("Sinh con"),
        ("Hộ tịch", "Đăng ký, quản lý cư trú", "Cấp, quản lý căn cước"),
    ),
    LifeEvent("ket-hon", _("Kết hôn"), ("Hộ tịch",)),
    LifeEvent("nhan-con-nuoi", _("Nhận con nuôi"), ("Nuôi con nuôi", "Hộ tịch")),
    LifeEvent("nguoi-than-qua-doi", _("Người thân qua đời"), ("Hộ tịch",)),
    LifeEvent(
        "cu-tru-giay-to",
        _("Nơi ở, giấy tờ tùy thân, xuất nhập cảnh"),
        ("Đăng ký, quản lý cư trú", "Cấp, quản lý căn cước", "Quản lý xuất nhập cảnh"),
    ),
    LifeEvent("chung-thuc", _("Sao y, chứng thực giấy tờ"), ("Chứng thực",)),
    LifeEvent(
        "nha-dat",
        _("Nhà, đất, xây dựng"),
        ("Đất đai", "Nhà ở và công sở", "Hoạt động xây dựng"),
    ),
    LifeEvent(
        "kinh-doanh",
        _("Mở hộ kinh doanh, doanh nghiệp, hợp tác xã"),
        (
            "Thành lập và hoạt động doanh nghiệp (hộ kinh doanh)",
            "Thành lập và hoạt động của doanh nghiệp",
            "Thành lập và hoạt động của tổ hợp tác, hợp tác xã, liên hiệp hợp tác xã",
        ),
    ),
    LifeEvent(
        "xe-giay-phep-lai-xe",
        _("Xe và giấy phép lái xe"),
        (
            "Sát hạch, cấp giấy phép lái xe",
            "Đăng ký, quản lý phương tiện giao thông cơ giới, xe máy chuyên dùng",
        ),
    ),
    LifeEvent("bao-hiem-xa-hoi", _("Bảo hiểm xã hội"), ("Thực hiện chính sách BHXH",)),
)

LIFE_EVENTS_BY_SLUG = {event.slug: event for event in LIFE_EVENTS}
