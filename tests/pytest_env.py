"""The test run's environment, set before pytest-django imports the settings.

Loaded as a plugin (`-p tests.pytest_env` in pyproject.toml), because pytest-django loads the
settings before any conftest.py is read. The settings default to production (debug off, a
strong key required); the suite asks for debug explicitly, as `make run` does, and brings a
test-only key. Values already in the environment win, so a run can still choose.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault(
    "DJANGO_SECRET_KEY", "test-only-signing-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF"
)
