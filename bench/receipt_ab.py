"""Form 01 (the receipt, ReportLab) of two versions of the code in one process, in turn.

    .venv/bin/python bench/receipt_ab.py [--against main] [--rounds 300]
    DATABASE_URL=postgres://.../egov_bench_dossiers .venv/bin/python bench/receipt_ab.py --views
    .venv/bin/python bench/receipt_ab.py --fonts

"before" is `egov/dossiers/printing.py` and `receipt_pdf.py` as they are at the git revision
`--against`, loaded beside the working tree's ("after") under other module names, their font
registered under another name (the same files); each version renders its own baseline B_pdf
(`trivial_pdf`, as /bench/pdf-rl/) too. The cases are bench/forms_pdf.py's (real procedures of
procedures.json, built in memory, no query): first 3 papers, then every paper of the checklist.
After 5 warm-up renders of each, every round renders B_pdf before, the receipt before, B_pdf
after and the receipt after, in an order that turns by one each round, so that on a shared
machine all four see the same load. Printed, by the wall clock and by this process's CPU time
(which a busy machine's waits for a core do not lengthen; the wall clock lengthens a long render
more than a short one there): median and p95 of each, the receipt's ratios to the B_pdf of its
own version and of the other (medians of the same rounds; p95 over p95).

--views: instead, what /bench/receipt/<id>/ does (the dossier read with its select_related,
then `printing.receipt`: its queries and the PDF), before and after, for the 300 latest received
dossiers of the database (read only), data alone (the PDF left out) and whole, in turn with the
/bench/pdf-rl/ view, `--rounds` times over the 300 (default here 2); the CPU time is this
process's (the database server's is not in it).

--fonts: the working tree's B_pdf and receipt (1.004837, first 7 papers) with ReportLab's font
embedding as it is, then changed for every document in the process (both alike): streams
compressed at zlib level 1 instead of 6; subsets without the ASCII block ReportLab puts in
every subset (`asciiReadable`); both. In turn, `--rounds` (default 200) rounds.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import forms_pdf  # noqa: E402 (sets Django up)

from egov.dossiers import printing, receipt_pdf  # noqa: E402


def load_revision(revision: str):
    """printing and receipt_pdf as they are at `revision`, as the modules `before_printing`
    and `before_receipt_pdf` (the font family renamed, so that both versions register theirs)."""
    modules = {}
    for name, alias in (("receipt_pdf", "before_receipt_pdf"), ("printing", "before_printing")):
        source = subprocess.run(
            ["git", "show", f"{revision}:egov/dossiers/{name}.py"],
            cwd=forms_pdf.ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        source = source.replace('FAMILY = "FormSerif"', 'FAMILY = "FormSerifBefore"')
        source = source.replace(
            "from egov.dossiers import receipt_pdf", "import before_receipt_pdf as receipt_pdf"
        )
        spec = importlib.util.spec_from_loader(alias, loader=None)
        module = importlib.util.module_from_spec(spec)
        sys.modules[alias] = module
        exec(compile(source, f"{revision}:{name}.py", "exec"), module.__dict__)  # noqa: S102
        modules[name] = module
    return modules["printing"], modules["receipt_pdf"]


def views(before_printing, before_pdf, rounds: int) -> None:
    from django.db import connection
    from django.test import RequestFactory

    from egov.core import bench_urls
    from egov.dossiers.models import Dossier

    received = Dossier.objects.filter(received_at__isnull=False, code__isnull=False)
    ids = list(received.order_by("-id").values_list("id", flat=True)[:300])
    request = RequestFactory().get("/")
    pdfs = {printing: receipt_pdf.receipt, before_printing: before_pdf.receipt}

    def view(version, pk: int, *, pdf: bool) -> None:
        (receipt_pdf if version is printing else before_pdf).receipt = (
            pdfs[version] if pdf else (lambda content: b"")
        )
        dossier = Dossier.objects.select_related("receiving_unit", "version", "procedure").get(
            pk=pk
        )
        version.receipt(dossier)

    renders = {
        "data before": lambda pk: view(before_printing, pk, pdf=False),
        "data after": lambda pk: view(printing, pk, pdf=False),
        "whole before": lambda pk: view(before_printing, pk, pdf=True),
        "whole after": lambda pk: view(printing, pk, pdf=True),
        "B_pdf view": lambda pk: bench_urls.pdf_reportlab(request),
    }
    for render in renders.values():
        for pk in ids[:5]:
            render(pk)
    samples: dict[str, list[float]] = {name: [] for name in renders}
    cpu: dict[str, list[float]] = {name: [] for name in renders}
    for _ in range(rounds):
        for pk in ids:
            for name, render in renders.items():
                start, start_cpu = time.perf_counter(), time.process_time()
                render(pk)
                cpu[name].append((time.process_time() - start_cpu) * 1000)
                samples[name].append((time.perf_counter() - start) * 1000)
    papers = received.filter(pk__in=ids).values_list("components__provided", flat=True)
    print(
        f"/bench/receipt/<id>/ in process on {connection.vendor} "
        f"{connection.settings_dict['NAME']}: {len(ids)} dossiers, "
        f"{sum(1 for p in papers if p)} papers handed in, {rounds} rounds:"
    )
    for clock, measured in (("wall", samples), ("CPU", cpu)):
        base = statistics.median(measured["B_pdf view"])
        for name, values in measured.items():
            print(
                f"  {clock:<4} {name:<13} median {statistics.median(values):6.2f} ms"
                f"  p95 {forms_pdf.percentile(values, 95):6.2f} ms"
                f"  = {statistics.median(values) / base:.2f} × B_pdf view"
            )


def fonts(rounds: int) -> None:
    import zlib

    from reportlab.pdfbase import pdfdoc, ttfonts

    records = {r["code"]: r for r in forms_pdf.json.loads(forms_pdf.DATA.read_text("utf-8"))}
    dossier, papers = forms_pdf.dossier_of(records["1.004837"])
    encode, state = pdfdoc.PDFStreamFilterZCompress.encode, ttfonts.TTFont.State.__init__

    def level_1(self, text):
        return zlib.compress(text.encode("utf8") if isinstance(text, str) else text, 1)

    def no_ascii(self, asciiReadable=None, ttf=None):  # noqa: N803
        state(self, False, ttf)

    variants = {
        "as it is": (encode, state),
        "zlib level 1": (level_1, state),
        "no ASCII block": (encode, no_ascii),
        "both": (level_1, no_ascii),
    }
    renders = {
        "B_pdf": receipt_pdf.trivial_pdf,
        "receipt": lambda: printing.render_receipt(dossier, papers[:7], "Nguyễn Văn Cán Bộ"),
    }
    samples: dict[tuple[str, str], list[float]] = {}
    sizes: dict[tuple[str, str], int] = {}
    try:
        for round_ in range(rounds + 3):
            for variant, (new_encode, new_state) in variants.items():
                pdfdoc.PDFStreamFilterZCompress.encode = new_encode
                ttfonts.TTFont.State.__init__ = new_state
                for name, render in renders.items():
                    start = time.perf_counter()
                    sizes[variant, name] = len(render())
                    if round_ >= 3:
                        samples.setdefault((variant, name), []).append(
                            (time.perf_counter() - start) * 1000
                        )
    finally:
        pdfdoc.PDFStreamFilterZCompress.encode = encode
        ttfonts.TTFont.State.__init__ = state
    print(f"font embedding variants, form 01 1.004837 first 7 papers, {rounds} rounds:")
    for variant in variants:
        median = {n: statistics.median(samples[variant, n]) for n in renders}
        print(
            f"  {variant:<15} B_pdf {median['B_pdf']:5.2f} ms {sizes[variant, 'B_pdf']:>7,} B"
            f"  receipt {median['receipt']:6.2f} ms {sizes[variant, 'receipt']:>7,} B"
            f"  = {median['receipt'] / median['B_pdf']:.2f} ×"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--against", default="main", help="the git revision of 'before'")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--views", action="store_true", help="the bench views on DATABASE_URL")
    parser.add_argument("--fonts", action="store_true", help="font embedding variants")
    args = parser.parse_args()
    if args.fonts:
        fonts(args.rounds or 200)
        return
    before_printing, before_pdf = load_revision(args.against)
    if args.views:
        views(before_printing, before_pdf, args.rounds or 2)
        return
    args.rounds = args.rounds or 300
    records = {r["code"]: r for r in forms_pdf.json.loads(forms_pdf.DATA.read_text("utf-8"))}
    officer = "Nguyễn Văn Cán Bộ"
    for code in ("1.004837", "1.001193"):
        dossier, papers = forms_pdf.dossier_of(records[code])
        for label, subset in (("first 3 papers", papers[:3]), (f"{len(papers)} papers", papers)):
            renders = {
                "B_pdf before": before_pdf.trivial_pdf,
                "receipt before": lambda d=dossier, p=subset: before_printing.render_receipt(
                    d, p, officer
                ),
                "B_pdf after": receipt_pdf.trivial_pdf,
                "receipt after": lambda d=dossier, p=subset: printing.render_receipt(d, p, officer),
            }
            pdfs = {name: [render() for _ in range(5)][-1] for name, render in renders.items()}
            wall: dict[str, list[float]] = {name: [] for name in renders}
            cpu: dict[str, list[float]] = {name: [] for name in renders}
            order = list(renders)
            for round_ in range(args.rounds):
                for name in order[round_ % 4 :] + order[: round_ % 4]:
                    start, start_cpu = time.perf_counter(), time.process_time()
                    renders[name]()
                    cpu[name].append((time.process_time() - start_cpu) * 1000)
                    wall[name].append((time.perf_counter() - start) * 1000)
            print(f"form 01 {code}, {label}, {args.rounds} rounds:")
            for clock, samples in (("wall", wall), ("CPU", cpu)):
                median = {k: statistics.median(v) for k, v in samples.items()}
                p95 = {k: forms_pdf.percentile(v, 95) for k, v in samples.items()}
                for name in renders:
                    ratios = ""
                    if name.startswith("receipt"):
                        own = "B_pdf " + name.split()[1]
                        ratios = "  = " + ", ".join(
                            f"{median[name] / median[base]:.2f} × {base} "
                            f"(p95 {p95[name] / p95[base]:.2f})"
                            for base in dict.fromkeys([own, "B_pdf before"])
                        )
                    print(
                        f"  {clock:<4} {name:<15} median {median[name]:6.2f} ms"
                        f"  p95 {p95[name]:6.2f} ms  {len(pdfs[name]):>7,} B"
                        f"  {forms_pdf.pages(pdfs[name])} p.{ratios}"
                    )


if __name__ == "__main__":
    main()
