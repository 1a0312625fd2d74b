"""Every translatable string in the tree is in the English catalogue (makemessages is up to date).

Extraction runs on a copy of the tracked files, so the working tree is never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = Path("egov/locale/en/LC_MESSAGES/django.po")


def test_catalogue_holds_every_message_of_the_tree(tmp_path):
    assert shutil.which("xgettext"), "GNU gettext is needed (make test installs it)"
    files = subprocess.run(
        ["git", "ls-files", "egov", "manage.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in files:
        source = ROOT / name
        if source.is_file():
            target = tmp_path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    env = {
        **os.environ,
        "EGOV_TESTING": "1",
        "DJANGO_SETTINGS_MODULE": "egov.settings",
        "PYTHONPATH": str(tmp_path),
    }
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    extracted = {(e.msgctxt, e.msgid) for e in polib.pofile(str(tmp_path / CATALOGUE))}
    committed = polib.pofile(str(ROOT / CATALOGUE))
    known = {(e.msgctxt, e.msgid) for e in committed if not e.obsolete}
    missing = sorted(msgid for _ctx, msgid in extracted - known)
    assert not missing, (
        "strings not in the English catalogue; run makemessages -l en and translate: "
        f"{missing[:10]}"
    )
