"""Programmes, cohorts and sessions (training.py); calls for ideas, ideas and reviews (ideas.py)."""

from .ideas import *  # noqa: F403
from .training import *  # noqa: F403
