"""Writes on programmes and cohorts (training.py) and on calls for ideas (ideas.py)."""
