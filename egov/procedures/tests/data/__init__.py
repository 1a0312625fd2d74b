"""Small real fixtures (copied from shared/data/tthc/procedures.json) and helpers for tests."""

from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).parent
SAMPLE = DATA / "procedures_sample.json"


def sample_bytes() -> bytes:
    return SAMPLE.read_bytes()


def sample_records() -> list[dict]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def catalogue_admin(make_user, username: str = "qt.danhmuc"):
    from egov.accounts.models import Role, RoleGrant

    user = make_user(username=username)
    RoleGrant.objects.create(user=user, role=Role.SYSTEM_ADMIN, unit=None)
    return user


def row_counts() -> dict[str, int]:
    from egov.audit.models import AuditEvent
    from egov.procedures.models import (
        Component,
        Field,
        LegalBasis,
        Method,
        Procedure,
        ProcedureVersion,
    )

    return {
        m.__name__: m.objects.count()
        for m in (Procedure, ProcedureVersion, Method, Component, LegalBasis, Field, AuditEvent)
    }
