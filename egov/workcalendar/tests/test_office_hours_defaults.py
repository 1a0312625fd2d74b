"""The office hours' default times pass Django's fixed-default check at any time of day (a
fixed time default made `check --deploy --fail-level WARNING` fail within ten seconds of
07:30, 11:30, 13:30 and 17:00 UTC)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from egov.workcalendar.models import OfficeHours

FIELDS = ("morning_start", "morning_end", "afternoon_start", "afternoon_end")


@pytest.mark.parametrize("field", FIELDS)
def test_no_fixed_default_warning_at_the_default_time_itself(monkeypatch, field):
    default = OfficeHours._meta.get_field(field).get_default()
    at = datetime(2026, 11, 24, default.hour, default.minute, 3, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: at)
    ids = [m.id for m in OfficeHours._meta.get_field(field).check()]
    assert "fields.W161" not in ids


def test_the_defaults_are_the_usual_office_hours():
    got = [OfficeHours._meta.get_field(f).get_default().strftime("%H:%M") for f in FIELDS]
    assert got == ["07:30", "11:30", "13:30", "17:00"]
