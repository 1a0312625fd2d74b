"""How long `egov.uploads.inspect_upload` takes on large, ordinary dossier files.

    .venv/bin/python bench/uploads.py [--rounds 5]

Makes each file once into a temporary folder, then, in a fresh process per file, inspects it
`rounds` times after one warm-up (from disk, as Django's TemporaryUploadedFile would be) and prints
the median and the worst time, and that process's peak resident memory over its memory before the
first inspection (Django and the libraries loaded). No virus scanner is configured.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "egov.test_settings")

import django  # noqa: E402

django.setup()

import openpyxl  # noqa: E402
import pikepdf  # noqa: E402
from PIL import Image  # noqa: E402

from egov.uploads.services import inspect_upload  # noqa: E402

A4_600DPI = (4960, 7016)


def scan_like(size: tuple[int, int], seed: int) -> Image.Image:
    """A page-sized greyscale picture with noise, so it compresses like a real scan, not a blank."""
    rng = random.Random(seed)
    small = Image.frombytes(
        "L", (size[0] // 8, size[1] // 8), rng.randbytes(size[0] * size[1] // 64)
    )
    return small.resize(size).convert("RGB")


def jpeg_scan() -> bytes:
    out = io.BytesIO()
    scan_like(A4_600DPI, 1).save(out, format="JPEG", quality=85)
    return out.getvalue()


def png_scan() -> bytes:
    out = io.BytesIO()
    scan_like((2480, 3508), 2).convert("L").save(out, format="PNG")
    return out.getvalue()


def pdf_of_scans(pages: int) -> bytes:
    pdf = pikepdf.Pdf.new()
    page_jpeg = io.BytesIO()
    scan_like((1240, 1754), 3).save(page_jpeg, format="JPEG", quality=75)
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
        page = pdf.pages[-1]
        image = pdf.make_stream(
            page_jpeg.getvalue(),
            Type=pikepdf.Name.XObject,
            Subtype=pikepdf.Name.Image,
            Width=1240,
            Height=1754,
            ColorSpace=pikepdf.Name.DeviceRGB,
            BitsPerComponent=8,
            Filter=pikepdf.Name.DCTDecode,
        )
        page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
        page.Contents = pdf.make_stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def xlsx_rows(rows: int) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    rng = random.Random(4)
    for i in range(rows):
        sheet.append([i, f"Hộ ông/bà số {i}", rng.randint(1, 9_999_999), "Xã Lưu Vệ", rng.random()])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def rss_mb() -> float:
    """Peak resident memory of this process (Linux VmHWM; getrusage's maxrss would include the
    parent's, which is inherited across fork and exec)."""
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


def inspect_file(path: str, name: str, rounds: int) -> None:
    before = rss_mb()
    with open(path, "rb") as file:
        inspect_upload(file, name)
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            inspect_upload(file, name)
            times.append(time.perf_counter() - start)
    print(
        f"{os.path.getsize(path) / 2**20:7.1f}MB {statistics.median(times) * 1000:7.0f}ms"
        f" {max(times) * 1000:7.0f}ms {rss_mb() - before:9.0f}MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--inspect", nargs=2, metavar=("PATH", "NAME"))
    args = parser.parse_args()
    if args.inspect:
        inspect_file(*args.inspect, args.rounds)
        return
    cases = [
        ("JPEG, A4 at 600 dpi (34.8 MP)", "scan.jpg", jpeg_scan),
        ("PNG, A4 at 300 dpi greyscale (8.7 MP)", "scan.png", png_scan),
        ("PDF, 50 scanned pages", "ho-so.pdf", lambda: pdf_of_scans(50)),
        ("XLSX, 100,000 rows x 5 columns", "danh-sach.xlsx", lambda: xlsx_rows(100_000)),
    ]
    print(f"{'file':40} {'size':>9} {'median':>9} {'worst':>9} {'peak RSS +':>11}")
    with tempfile.TemporaryDirectory() as folder:
        for label, name, make in cases:
            path = Path(folder) / name
            path.write_bytes(make())
            line = subprocess.run(
                [sys.executable, __file__, "--rounds", str(args.rounds), "--inspect", path, name],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.rstrip()
            print(f"{label:40} {line}")


if __name__ == "__main__":
    main()
