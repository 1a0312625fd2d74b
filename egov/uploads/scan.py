"""The virus-scan hook: an external command reads the file on its standard input.

`EGOV_VIRUS_SCAN_COMMAND` (e.g. `clamdscan --no-summary -` or `clamscan --no-summary -`)
follows ClamAV's exit codes: 0 clean, 1 infected, anything else an error. It fails closed: an
error, a missing command or no answer within `EGOV_VIRUS_SCAN_TIMEOUT` seconds refuses the file,
since a file that could not be scanned must not be kept as if it had been.

The file is fed from a thread in chunks, never read whole, and the scanner's output goes to a
temporary file, so neither a scanner that stops reading nor one that floods its output can block
us past the timeout.
"""

from __future__ import annotations

import logging
import shlex
import subprocess
import tempfile
import threading
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from egov.uploads.errors import refuse

logger = logging.getLogger(__name__)
CHUNK = 64 * 1024
INFECTED = 1


def scan(stream: IO[bytes], *, label: str) -> None:
    """Refuse `stream` unless the configured scanner says it is clean. No command: no scan."""
    command = settings.EGOV_VIRUS_SCAN_COMMAND
    if not command:
        return
    code, output = _run(shlex.split(command), stream, settings.EGOV_VIRUS_SCAN_TIMEOUT)
    if code == 0:
        return
    if code == INFECTED:
        logger.warning("upload %s refused by the virus scanner: %s", label, output)
        refuse("infected", _("Tệp có chứa mã độc nên không được nhận."))
    logger.error("virus scanner failed on upload %s (exit %s): %s", label, code, output)
    refuse(
        "scan_failed",
        _("Chưa kiểm tra được virus cho tệp này. Vui lòng thử lại sau ít phút."),
    )


def _run(args: list[str], stream: IO[bytes], timeout: float) -> tuple[int | None, str]:
    """The scanner's exit code (None if it could not run or did not finish) and output."""
    stream.seek(0)
    with tempfile.TemporaryFile() as output:
        try:
            process = subprocess.Popen(  # noqa: S603 - the command is the operator's setting
                args, stdin=subprocess.PIPE, stdout=output, stderr=subprocess.STDOUT
            )
        except OSError as error:
            return None, str(error)
        fed: list[bool] = []
        feeder = threading.Thread(target=_feed, args=(stream, process.stdin, fed), daemon=True)
        feeder.start()
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            code = None
        feeder.join(timeout)
        output.seek(0)
        text = output.read(2000).decode("utf-8", "replace").strip()
        if code is None:
            return None, f"no answer within {timeout} s. {text}"
        if code == 0 and (feeder.is_alive() or not fed):
            # "Clean" from a scanner that did not read the whole file says nothing about it.
            return None, f"exit 0 without reading the whole file. {text}"
        stream.seek(0)
        return code, text


def _feed(stream: IO[bytes], pipe: IO[bytes], fed: list[bool]) -> None:
    try:
        while chunk := stream.read(CHUNK):
            pipe.write(chunk)
        pipe.close()
        fed.append(True)
    except (BrokenPipeError, ValueError, OSError):
        pass  # the scanner stopped reading; its exit code tells the rest
    finally:
        try:
            pipe.close()
        except OSError:
            pass
