"""Demo data: Thanh Hóa province from the real national data, its agencies, and demo accounts.

Everything here is idempotent: running it again finds what exists and creates only what is
missing. It refuses to run when DEBUG is off, so demo passwords never reach a real deployment.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from egov.accounts.models import Role, RoleGrant, User, UserKind
from egov.accounts.services import role_grant, user_create
from egov.core.errors import Forbidden
from egov.units.models import Unit, UnitKind
from egov.units.services import unit_create

PROVINCE_CODE = "38"  # Tỉnh Thanh Hóa (NSO code)
DEMO_PASSWORD = "egov-demo-2025"

# The standard specialised agencies of a provincial People's Committee after the 2025
# restructuring (Decree 45/2025/NĐ-CP); conditional ones (e.g. ethnic affairs, foreign affairs)
# are left out because we have not verified them for Thanh Hóa.
PROVINCIAL_AGENCIES: list[tuple[str, str]] = [
    ("Ủy ban nhân dân tỉnh Thanh Hóa", UnitKind.PEOPLES_COMMITTEE),
    ("Văn phòng Ủy ban nhân dân tỉnh Thanh Hóa", UnitKind.OFFICE),
    ("Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa", UnitKind.SERVICE_CENTRE),
    ("Sở Nội vụ tỉnh Thanh Hóa", UnitKind.DEPARTMENT),
    ("Sở Tư pháp tỉnh Thanh Hóa", UnitKind.DEPARTMENT),
    ("Sở Tài chính tỉnh Thanh Hóa", UnitKind.DEPARTMENT),
    ("Sở Công Thương tỉnh Thanh Hóa", UnitKind.DEPARTMENT),
    ("Sở Nông nghiệp và Môi trường tỉnh Thanh Hóa", UnitKind.DEPARTMENT),
    ("Sở Xây dựng tỉnh Thanh Hóa", UnitKind.DEPARTMENT),
    ("Sở Khoa học và Công nghệ tỉnh Thanh Hóa", UnitKind.DEPARTMENT),
    ("Sở Giáo dục và Đào tạo tỉnh Thanh Hóa", UnitKind.DEPARTMENT),
    ("Sở Y tế tỉnh Thanh Hóa", UnitKind.DEPARTMENT),
    ("Sở Văn hóa, Thể thao và Du lịch tỉnh Thanh Hóa", UnitKind.DEPARTMENT),
    ("Thanh tra tỉnh Thanh Hóa", UnitKind.DEPARTMENT),
    ("Công an tỉnh Thanh Hóa", UnitKind.VERTICAL_AGENCY),
    ("Bảo hiểm xã hội tỉnh Thanh Hóa", UnitKind.VERTICAL_AGENCY),
]

_COMMUNE_PREFIXES = ("Xã ", "Phường ", "Đặc khu ")


def _commune_short(name: str) -> str:
    for prefix in _COMMUNE_PREFIXES:
        if name.startswith(prefix):
            return prefix.strip().lower() + " " + name[len(prefix) :]
    return name


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    kind: str
    role: str | None = None
    # where the role is held: "province", an agency name, or a commune NSO code
    place: str = ""
    include_subtree: bool = False


# Communes of the demo: today's communes that took in the former Quảng Xương district, and the
# provincial capital's central ward. Codes are NSO codes from the national data.
LUU_VE = "16438"  # Xã Lưu Vệ
QUANG_YEN = "16480"  # Xã Quảng Yên
HAC_THANH = "14797"  # Phường Hạc Thành

DEMO_ACCOUNTS: list[DemoAccount] = [
    DemoAccount("quantri", "Nguyễn Văn Quản", UserKind.OFFICIAL, Role.SYSTEM_ADMIN),
    DemoAccount("qt.tinh", "Lê Thị Hạnh", UserKind.OFFICIAL, Role.UNIT_ADMIN, "province", True),
    DemoAccount(
        "ld.tinh",
        "Trịnh Văn Long",
        UserKind.OFFICIAL,
        Role.LEADER,
        "Ủy ban nhân dân tỉnh Thanh Hóa",
    ),
    DemoAccount(
        "vt.tinh",
        "Phạm Thị Thu",
        UserKind.OFFICIAL,
        Role.CLERK,
        "Văn phòng Ủy ban nhân dân tỉnh Thanh Hóa",
    ),
    DemoAccount(
        "motcua.tinh",
        "Hoàng Thị Mai",
        UserKind.OFFICIAL,
        Role.ONE_STOP_OFFICER,
        "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa",
    ),
    DemoAccount(
        "ld.sotuphap", "Đỗ Văn Khánh", UserKind.OFFICIAL, Role.LEADER, "Sở Tư pháp tỉnh Thanh Hóa"
    ),
    DemoAccount(
        "cv.sotuphap", "Vũ Thị Lan", UserKind.OFFICIAL, Role.SPECIALIST, "Sở Tư pháp tỉnh Thanh Hóa"
    ),
    DemoAccount("qt.luuve", "Lê Văn Tùng", UserKind.OFFICIAL, Role.UNIT_ADMIN, LUU_VE, True),
    DemoAccount("ld.luuve", "Nguyễn Văn Thắng", UserKind.OFFICIAL, Role.LEADER, LUU_VE, True),
    DemoAccount("cv.luuve", "Trần Thị Hoa", UserKind.OFFICIAL, Role.SPECIALIST, LUU_VE),
    DemoAccount("motcua.luuve", "Lê Thị Thúy", UserKind.OFFICIAL, Role.ONE_STOP_OFFICER, LUU_VE),
    DemoAccount("vt.luuve", "Mai Văn Đức", UserKind.OFFICIAL, Role.CLERK, LUU_VE),
    DemoAccount("ld.quangyen", "Hoàng Văn Bình", UserKind.OFFICIAL, Role.LEADER, QUANG_YEN, True),
    DemoAccount("cv.quangyen", "Đặng Thị Ngọc", UserKind.OFFICIAL, Role.SPECIALIST, QUANG_YEN),
    DemoAccount(
        "motcua.quangyen", "Bùi Văn Hải", UserKind.OFFICIAL, Role.ONE_STOP_OFFICER, QUANG_YEN
    ),
    DemoAccount("ld.hacthanh", "Lê Văn Sơn", UserKind.OFFICIAL, Role.LEADER, HAC_THANH, True),
    DemoAccount(
        "motcua.hacthanh", "Nguyễn Thị Yến", UserKind.OFFICIAL, Role.ONE_STOP_OFFICER, HAC_THANH
    ),
    DemoAccount("congdan1", "Nguyễn Thị Ánh", UserKind.CITIZEN),
    DemoAccount("congdan2", "Trần Văn Đạt", UserKind.CITIZEN),
    DemoAccount("doanhnghiep1", "Công ty TNHH Minh An (demo)", UserKind.BUSINESS),
]


def _require_debug() -> None:
    if not settings.DEBUG:
        raise Forbidden(
            "Dữ liệu demo chỉ được nạp khi DEBUG bật (môi trường trình diễn). "
            "Demo data loads only with DEBUG on."
        )


def _agency(parent: Unit, name: str, kind: str) -> Unit:
    existing = Unit.objects.filter(parent=parent, name=name, valid_to__isnull=True).first()
    if existing:
        return existing
    return unit_create(
        actor=None, name=name, kind=kind, parent=parent, valid_from=parent.valid_from
    )


def load_agencies(province: Unit) -> dict[str, Unit]:
    agencies = {name: _agency(province, name, kind) for name, kind in PROVINCIAL_AGENCIES}
    communes = Unit.objects.filter(
        parent=province,
        kind__in=[UnitKind.COMMUNE, UnitKind.WARD, UnitKind.SPECIAL_ZONE],
        valid_to__isnull=True,
    )
    for commune in communes:
        short = _commune_short(commune.name)
        _agency(commune, f"Ủy ban nhân dân {short}", UnitKind.PEOPLES_COMMITTEE)
        _agency(commune, f"Trung tâm Phục vụ hành chính công {short}", UnitKind.SERVICE_CENTRE)
    return agencies


def _place(account: DemoAccount, province: Unit, agencies: dict[str, Unit]) -> Unit | None:
    if account.role == Role.SYSTEM_ADMIN:
        return None
    if account.place == "province":
        return province
    if account.place in agencies:
        return agencies[account.place]
    return Unit.objects.get(code=account.place, valid_to__isnull=True)


def load_accounts(province: Unit, agencies: dict[str, Unit]) -> list[DemoAccount]:
    for account in DEMO_ACCOUNTS:
        unit = _place(account, province, agencies) if account.role else None
        user = User.objects.filter(username=account.username).first()
        if user is None:
            user = user_create(
                actor=None,
                username=account.username,
                password=DEMO_PASSWORD,
                kind=account.kind,
                full_name=account.full_name,
                email=f"{account.username}@demo.egov.invalid",
                home_unit=unit if account.kind == UserKind.OFFICIAL else None,
                check_password_strength=False,
            )
        if (
            account.role
            and not RoleGrant.objects.filter(user=user, role=account.role, unit=unit).exists()
        ):
            role_grant(
                actor=None,
                user=user,
                role=account.role,
                unit=unit,
                include_subtree=account.include_subtree,
            )
    return DEMO_ACCOUNTS


def load_catalogue() -> int:
    """The real procedure catalogue (shared/data/tthc/procedures.json, or EGOV_TTHC_DATA) through
    the same import path users get. Skipped at once when this very file (same SHA-256) was
    already imported and the catalogue is there, so a second `make run` stays fast."""
    from egov.audit.models import AuditEvent
    from egov.procedures.importers.national import (
        default_data_path,
        import_json_bytes,
        read_limited,
        sha256_of,
    )
    from egov.procedures.models import Procedure

    path = default_data_path()
    data = read_limited(path)
    already = AuditEvent.objects.filter(
        action="procedures.import", summary__sha256=sha256_of(data)
    ).exists()
    if not (already and Procedure.objects.exists()):
        import_json_bytes(actor=None, data=data, source_label=path.name)
    return Procedure.objects.count()


def load_demo_templates() -> None:
    """Xã Lưu Vệ handles the common commune procedures with default process templates (our
    documented split of each procedure's real legal time; procedures without one are skipped)."""
    from egov.procedures.templates_services import (
        common_commune_procedures,
        load_default_templates,
    )

    luu_ve = Unit.objects.get(code=LUU_VE, valid_to__isnull=True)
    load_default_templates(unit=luu_ve, procedures=common_commune_procedures(40))


# Fictional applicants of the demo dossiers (12-digit numbers of the right shape, 038 = Thanh Hóa;
# they belong to nobody).
DEMO_APPLICANTS = (
    ("Nguyễn Thị Ánh", "038185001234", "Thôn Đông, xã Lưu Vệ", "0912000001"),
    ("Trần Văn Đạt", "038090004321", "Thôn Tây, xã Lưu Vệ", "0912000002"),
    ("Lê Thị Hồng", "038188007777", "Thôn Nam, xã Lưu Vệ", "0912000003"),
)


def load_demo_dossiers() -> int:
    """Xã Lưu Vệ offers its procedures online (partial) and has a few dossiers in different
    states, made through the same services the pages use. Skipped once Lưu Vệ has dossiers."""
    from egov.dossiers import services as dossiers
    from egov.dossiers.applicants import ApplicantData
    from egov.dossiers.models import Dossier
    from egov.procedures.models import Assignment, Channel, OnlineLevel, ProcessTemplate
    from egov.procedures.templates_services import assignments_bulk_set

    luu_ve = Unit.objects.get(code=LUU_VE, valid_to__isnull=True)
    if Dossier.objects.filter(receiving_unit=luu_ve).exists():
        return Dossier.objects.count()
    with_templates = ProcessTemplate.objects.filter(unit=luu_ve, is_active=True).values(
        "procedure_id"
    )
    assigned = [
        a.procedure
        for a in Assignment.objects.filter(unit=luu_ve, procedure_id__in=with_templates)
        .select_related("procedure")
        .order_by("procedure__code")
    ]
    if not assigned:
        return 0
    assignments_bulk_set(
        actor=None,
        unit=luu_ve,
        procedures=assigned,
        online_level=OnlineLevel.PARTIAL,
        channels=[Channel.DIRECT, Channel.ONLINE],
    )
    officer = User.objects.get(username="motcua.luuve")
    specialist = User.objects.get(username="cv.luuve")
    for i, (name, id_number, address, phone) in enumerate(DEMO_APPLICANTS):
        procedure = assigned[i % len(assigned)]
        dossier = dossiers.counter_receive(
            actor=officer,
            unit=luu_ve,
            procedure=procedure,
            applicant=ApplicantData(name=name, id_number=id_number, address=address, phone=phone),
            components=[
                dossiers.ComponentInput(component_id=c.pk)
                for c in procedure.current.components.all()
            ],
        )
        if i == 1:
            dossiers.forward(
                actor=specialist, dossier_id=dossier.pk, expected_version=dossier.row_version
            )
    return Dossier.objects.count()


def load_demo_forms():
    """The real form templates of the demo's commune procedures that are available in the forms
    directory (egov.demo.forms says which form goes with which component)."""
    from egov.demo.forms import attach_demo_forms

    return attach_demo_forms()


@transaction.atomic
def load_demo(*, stdout=None) -> dict[str, int]:
    _require_debug()
    from egov.units.importers.national import import_national

    import_national(actor=None, provinces=[PROVINCE_CODE])
    province = Unit.objects.get(code=PROVINCE_CODE, valid_to__isnull=True)
    agencies = load_agencies(province)
    load_accounts(province, agencies)
    procedures = load_catalogue()
    load_demo_templates()
    forms = load_demo_forms()
    dossiers = load_demo_dossiers()
    return {
        "dossiers": dossiers,
        "units": Unit.objects.count(),
        "users": User.objects.count(),
        "procedures": procedures,
        "forms": len(forms.attached) + len(forms.kept),
        "forms_missing": len(forms.missing),
        "forms_refused": len(forms.refused),
    }
