"""pytest plugin (loaded with `-p bmnn._pytest_env` from pyproject) that gives every test run
its own throw-away data directory.

It must run before pytest-django imports the settings, which read BMNN_DATA_DIR at import time;
a conftest.py is imported too late for that, a `-p` plugin is not.
"""

import os
import tempfile

if not os.environ.get("BMNN_KEEP_DATA_DIR"):
    os.environ["BMNN_DATA_DIR"] = tempfile.mkdtemp(prefix="bmnn-test-")
