"""The virus-scan hook, with real scanner programs: small Python scripts that behave like
clamdscan (exit 0 clean, 1 infected, 2 error). It fails closed."""

from __future__ import annotations

import hashlib
import io
import shlex
import sys

import pytest

from egov.uploads.services import inspect_upload
from egov.uploads.tests.conftest import refusal
from egov.uploads.tests.samples import pdf_bytes

# The EICAR anti-virus test string, in two halves so that this source file is not itself flagged.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SCANNER = """
import sys
data = sys.stdin.buffer.read()
print("stream: Eicar-Signature FOUND" if {eicar!r} in data else "stream: OK")
sys.exit(1 if {eicar!r} in data else 0)
"""


def _command(tmp_path, source: str, name: str = "scanner.py") -> str:
    script = tmp_path / name
    script.write_text(source, encoding="utf-8")
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"


@pytest.fixture
def eicar_scanner(settings, tmp_path):
    settings.EGOV_VIRUS_SCAN_COMMAND = _command(tmp_path, SCANNER.format(eicar=EICAR))


def _pdf_carrying(payload: bytes) -> bytes:
    def add(pdf):
        pdf.pages[0].Contents = pdf.make_stream(b"% " + payload + b"\nBT ET")

    return pdf_bytes(add, object_streams=False, compress_streams=False)


def test_a_clean_file_passes_the_scanner(eicar_scanner):
    data = _pdf_carrying(b"clean")
    assert inspect_upload(io.BytesIO(data), "don.pdf").kind == "pdf"


def test_a_file_the_scanner_flags_is_refused(eicar_scanner):
    data = _pdf_carrying(EICAR)
    assert EICAR in data
    assert refusal(data, "don.pdf").code == "infected"


def test_the_scanner_reads_the_whole_file_and_the_file_is_still_whole_after(settings, tmp_path):
    seen = tmp_path / "seen.sha256"
    settings.EGOV_VIRUS_SCAN_COMMAND = _command(
        tmp_path,
        "import hashlib, sys\n"
        f"open({str(seen)!r}, 'w').write(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())\n",
    )
    # Larger than a pipe's buffer, so it is fed in many writes.
    data = _pdf_carrying(b"x" * 1_000_000)
    assert len(data) > 1_000_000
    inspected = inspect_upload(io.BytesIO(data), "don.pdf")
    assert seen.read_text() == inspected.sha256 == hashlib.sha256(data).hexdigest()
    assert inspected.file.read() == data


@pytest.mark.parametrize(
    "source",
    [
        "import sys; sys.stdin.buffer.read(); print('ERROR: Can\\'t connect to clamd'); sys.exit(2)",
        "import os, signal; os.kill(os.getpid(), signal.SIGKILL)",
        "import sys; sys.exit(70)",
    ],
)
def test_a_scanner_error_refuses_the_file(settings, tmp_path, source):
    settings.EGOV_VIRUS_SCAN_COMMAND = _command(tmp_path, source)
    assert refusal(pdf_bytes(), "don.pdf").code == "scan_failed"


def test_a_clean_verdict_without_reading_the_file_refuses_it(settings, tmp_path):
    settings.EGOV_VIRUS_SCAN_COMMAND = _command(tmp_path, "import sys; sys.exit(0)")
    assert refusal(_pdf_carrying(b"x" * 1_000_000), "don.pdf").code == "scan_failed"


def test_a_missing_scanner_refuses_the_file(settings, tmp_path):
    settings.EGOV_VIRUS_SCAN_COMMAND = str(tmp_path / "no-such-clamdscan") + " --no-summary -"
    assert refusal(pdf_bytes(), "don.pdf").code == "scan_failed"


def test_a_scanner_that_does_not_answer_in_time_refuses_the_file(settings, tmp_path):
    settings.EGOV_VIRUS_SCAN_TIMEOUT = 1
    settings.EGOV_VIRUS_SCAN_COMMAND = _command(tmp_path, "import time; time.sleep(60)")
    assert refusal(pdf_bytes(), "don.pdf").code == "scan_failed"


def test_refused_files_never_reach_the_scanner(settings, tmp_path):
    called = tmp_path / "called"
    settings.EGOV_VIRUS_SCAN_COMMAND = _command(
        tmp_path, f"open({str(called)!r}, 'w').write('yes')"
    )
    assert refusal(b"MZ\x90\x00", "don.pdf").code == "type_mismatch"
    assert not called.exists()
