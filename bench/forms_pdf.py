"""Rendering time of the printed forms (egov.dossiers.printing), in process.

    .venv/bin/python bench/forms_pdf.py [--rounds 30]

Renders, --rounds times each after 3 warm-up renders, with the same WeasyPrint set-up as the
forms (no network, system fonts embedded):
- B_pdf: a trivial one-line A4 PDF ("Hồ sơ" in the forms' font), the baseline;
- form 01 (receipt) for a dossier of real procedures from procedures.json, every paper of the
  procedure's checklist handed in, with its QR code: 1.004837 đăng ký giám hộ (24 papers) and
  1.001193 đăng ký khai sinh (33 papers), and the same receipt with its first 3 papers only.
The objects are built in memory (nothing is stored): this times the rendering, not the queries.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "egov.settings")
os.environ.setdefault("EGOV_TESTING", "1")

import django  # noqa: E402

django.setup()

from egov.dossiers import printing  # noqa: E402
from egov.dossiers.models import Dossier, DossierComponent  # noqa: E402
from egov.procedures.models import Field, ProcedureVersion  # noqa: E402
from egov.units.models import Unit, UnitKind  # noqa: E402
from egov.workcalendar.deadlines import VN_TZ  # noqa: E402

DATA = Path(os.environ.get("EGOV_TTHC_DATA", ROOT.parent / "shared/data/tthc/procedures.json"))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def pages(pdf: bytes) -> str:
    """The page count as poppler's pdfinfo reads it ("?" without poppler-utils)."""
    try:
        out = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "?"
    found = re.search(rb"^Pages:\s+(\d+)", out, re.M)
    return found.group(1).decode() if found else "?"


def timed(label: str, render, rounds: int) -> float:
    for _ in range(3):
        pdf = render()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        render()
        samples.append((time.perf_counter() - start) * 1000)
    median = statistics.median(samples)
    print(
        f"{label:<44} median {median:7.1f} ms  p95 {percentile(samples, 95):7.1f} ms"
        f"  ({len(pdf):,} bytes, {pages(pdf)} page(s))"
    )
    return median


def trivial() -> bytes:
    from weasyprint import HTML

    html = (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><style>@page { size: A4 }'
        ' html { font-family: "Times New Roman", "Liberation Serif", serif }</style></head>'
        "<body><p>Hồ sơ</p></body></html>"
    )
    return HTML(string=html, url_fetcher=printing._url_fetcher()).write_pdf()


def dossier_of(record: dict) -> tuple[Dossier, list[DossierComponent]]:
    province = Unit(name="Tỉnh Thử Nghiệm", kind=UnitKind.PROVINCE)
    commune = Unit(name="Xã An Hòa", kind=UnitKind.COMMUNE, parent=province)
    version = ProcedureVersion(name=record["name"], field=Field(name=record["field"]))
    dossier = Dossier(
        code="99001-261130-0001",
        lookup_code="PQCWKL",
        version=version,
        receiving_unit=commune,
        applicant_name="Lê Văn Hùng",
        applicant_id_number="038085001234",
        applicant_address="Thôn Phước Lộc, Xã An Hòa",
        applicant_phone="0987654321",
        applicant_email="hung@example.vn",
        subject=record["name"],
        received_at=datetime(2026, 11, 30, 9, tzinfo=VN_TZ),
        due_at=datetime(2026, 12, 3, 17, tzinfo=VN_TZ),
    )
    papers = [
        DossierComponent(
            position=i, name=c["name"], originals=c.get("originals", 0), copies=c.get("copies", 0)
        )
        for i, c in enumerate(record.get("components", []))
    ]
    return dossier, papers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    records = {r["code"]: r for r in json.loads(DATA.read_text(encoding="utf-8"))}
    base = timed("B_pdf trivial one-line PDF", trivial, args.rounds)
    for code in ("1.004837", "1.001193"):
        dossier, papers = dossier_of(records[code])
        for label, subset in ((f"{len(papers)} papers", papers), ("first 3 papers", papers[:3])):
            median = timed(
                f"form 01 {code} {label}",
                lambda d=dossier, p=subset: printing.render_receipt(d, p, "Nguyễn Văn Cán Bộ"),
                args.rounds,
            )
            print(f"{'':<44} = {median / base:.1f} × B_pdf")


if __name__ == "__main__":
    main()
