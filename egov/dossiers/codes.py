"""Dossier codes (mã hồ sơ) and lookup codes (mã tra cứu).

The dossier code joins (1) the code of the receiving agency, (2) the receipt date and (3) the
sequence number of that day (Decree 61/2018; DOMAIN.md 2.5), rendered
``<agency code>-<yymmdd>-<sequence, at least 4 digits>``. The agency code is the unit's electronic
identifier of Decision 20/2020 when it has one, otherwise the statistics code of the nearest unit
up its chain that has one (DOMAIN.md 2.5 notes that the exact format of Circular 03/2025 is still
to be checked; see docs/adr/0003-dossier-lifecycle.md).

The sequence is one row per (agency code, day) bumped by a single upsert inside the caller's
transaction: concurrent receptions wait on that row, a rolled-back reception gives its number back
(gap-free), and a committed number is never given again.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import connection

from egov.core.prepared import prepared
from egov.dossiers.models import DossierSequence
from egov.units.models import Unit
from egov.workcalendar.deadlines import to_vietnam_time

LOOKUP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
LOOKUP_LENGTH = 6


def agency_code(unit: Unit) -> str:
    if unit.edid:
        return unit.edid
    node: Unit | None = unit
    while node is not None:
        if node.code:
            return node.code
        node = node.parent
    return f"U{unit.pk}"


def next_sequence(code: str, day) -> int:
    table = DossierSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            prepared(
                f"INSERT INTO {table} (agency_code, day, last) VALUES (%s, %s, 1) "  # noqa: S608
                f"ON CONFLICT (agency_code, day) DO UPDATE SET last = {table}.last + 1 "
                "RETURNING last"
            ),
            [code, day],
        )
        return cursor.fetchone()[0]


def next_dossier_code(unit: Unit, moment: datetime) -> str:
    day = to_vietnam_time(moment).date()
    code = agency_code(unit)
    sequence = next_sequence(code, day)
    return f"{code}-{day:%y%m%d}-{sequence:04d}"


def new_lookup_code() -> str:
    return "".join(secrets.choice(LOOKUP_ALPHABET) for _ in range(LOOKUP_LENGTH))
