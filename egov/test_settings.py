"""Settings for the test suite: the real settings, with EGOV_TESTING on."""

import os

os.environ.setdefault("EGOV_TESTING", "1")

from egov.settings import *  # noqa: E402, F403
