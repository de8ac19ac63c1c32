"""The one safe export cell (empowerment/kernel/exports.py): every export writes through it,
so a name typed as a formula never runs in a spreadsheet program."""

import pytest

from empowerment.kernel.exports import safe_cell


@pytest.mark.parametrize("text", ["=1+2", "+98912", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_cells_that_start_like_a_formula_are_escaped(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-5, 42, 1.5, None, "مریم", "حصه", ""])
def test_numbers_and_plain_text_are_kept(value):
    assert safe_cell(value) == value
