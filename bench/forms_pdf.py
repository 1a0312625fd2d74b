"""Rendering time of the printed forms (egov.dossiers.printing), in process.

    .venv/bin/python bench/forms_pdf.py [--rounds 30] [--new-only]

Form 01 (receipt) for a dossier of real procedures from procedures.json, with its QR code:
1.004837 đăng ký giám hộ and 1.001193 đăng ký khai sinh, with their first 3 papers, then with
every paper of the checklist (24 and 33). Each by both engines, each against its own baseline, a
trivial one-line A4 PDF ("Hồ sơ" in the forms' font) through the same engine and set-up:
- new: what the counter gets (`printing.render_receipt`, ReportLab), ÷ B_pdf ReportLab (as
  /bench/pdf-rl/), and also ÷ B_pdf WeasyPrint;
- old: the WeasyPrint rendering of the same content (`printing.render_receipt_html`), ÷ B_pdf
  WeasyPrint (as /bench/pdf/); skipped, with its baseline, by --new-only.
For each case, after 3 warm-up renders of each, the --rounds rounds interleave the renders
(B_pdf ReportLab, new, B_pdf WeasyPrint, old, then again), so that on a shared machine a form
and its baseline see the same load; the ratios are of medians of the same rounds. The objects
are built in memory (nothing is stored): this times the rendering, not the queries.
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


def interleaved(renders: dict[str, object], rounds: int) -> dict[str, tuple[list[float], bytes]]:
    """Each render's samples (ms) and PDF, the renders taking turns round after round."""
    pdfs = {label: [render() for _ in range(3)][-1] for label, render in renders.items()}
    samples: dict[str, list[float]] = {label: [] for label in renders}
    for _ in range(rounds):
        for label, render in renders.items():
            start = time.perf_counter()
            render()
            samples[label].append((time.perf_counter() - start) * 1000)
    return {label: (samples[label], pdfs[label]) for label in renders}


def line(label: str, samples: list[float], pdf: bytes, ratios: str = "") -> None:
    print(
        f"  {label:<22} median {statistics.median(samples):7.1f} ms"
        f"  p95 {percentile(samples, 95):7.1f} ms  {len(pdf):>7,} bytes  {pages(pdf)} page(s)"
        f"{ratios}"
    )


def trivial_weasyprint() -> bytes:
    from weasyprint import HTML

    from egov.core.bench_urls import TRIVIAL_HTML

    return HTML(string=TRIVIAL_HTML, url_fetcher=printing._url_fetcher()).write_pdf()


def trivial_reportlab() -> bytes:
    from egov.dossiers import receipt_pdf

    return receipt_pdf.trivial_pdf()


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
    parser.add_argument("--new-only", action="store_true", help="skip WeasyPrint")
    args = parser.parse_args()
    records = {r["code"]: r for r in json.loads(DATA.read_text(encoding="utf-8"))}
    officer = "Nguyễn Văn Cán Bộ"
    for code in ("1.004837", "1.001193"):
        dossier, papers = dossier_of(records[code])
        for label, subset in (("first 3 papers", papers[:3]), (f"{len(papers)} papers", papers)):
            renders = {
                "B_pdf ReportLab": trivial_reportlab,
                "new (ReportLab)": lambda d=dossier, p=subset: printing.render_receipt(
                    d, p, officer
                ),
            }
            if not args.new_only:
                renders["B_pdf WeasyPrint"] = trivial_weasyprint
                renders["old (WeasyPrint)"] = lambda d=dossier, p=subset: (
                    printing.render_receipt_html(d, p, officer)
                )
            print(f"form 01 {code}, {label}:")
            got = interleaved(renders, args.rounds)
            median = {k: statistics.median(v[0]) for k, v in got.items()}
            for name, (samples, pdf) in got.items():
                ratios = ""
                if name.startswith("new"):
                    ratios = f"  = {median[name] / median['B_pdf ReportLab']:.1f} × B_pdf RL"
                    if "B_pdf WeasyPrint" in median:
                        ratios += f", {median[name] / median['B_pdf WeasyPrint']:.2f} × B_pdf WP"
                elif name.startswith("old"):
                    ratios = f"  = {median[name] / median['B_pdf WeasyPrint']:.1f} × B_pdf WP"
                line(name, samples, pdf, ratios)


if __name__ == "__main__":
    main()
