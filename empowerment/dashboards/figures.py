"""The figure component: one chart and the same data as a table beside it, exportable.

A page builds `Figure`s from a selector's rows; `{% figure fig %}` (dashboard_tags) draws
the chart (chart.js, served by the app), the table (Persian digits) and the .xlsx link,
and `exports.figure_xlsx_response` writes the same rows to a workbook.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from empowerment.kernel.jalali import format_jalali
from empowerment.kernel.persian import to_persian_digits

LEVEL_NAMES = {0: _("none"), 1: _("low"), 2: _("moderate"), 3: _("high"), 4: _("severe")}


@dataclass(frozen=True)
class Column:
    """A column of a figure's table.

    kind: "text", "int", "decimal" (shown with `decimals`), "level" (0-4 severity; a whole
    level is shown with its name), "date" (shown and exported in Jalali).
    `chart`: this column is drawn as a data series; the first "text" column labels the axis.
    """

    key: str
    label: str
    kind: str = "text"
    chart: bool = False
    decimals: int = 1

    @property
    def is_number(self) -> bool:
        return self.kind in ("int", "decimal", "level")

    def display(self, value) -> str:
        """The value as a person reads it: Persian digits, Jalali dates, "—" for nothing."""
        if value is None or value == "":
            return "—"
        if self.kind == "date":
            return to_persian_digits(format_jalali(value))
        if self.kind == "int":
            return format_number(value, 0)
        if self.kind == "level":
            if isinstance(value, int):
                # "متوسط (۲)": a middle dot would read as the Persian zero (۰).
                return f"{LEVEL_NAMES.get(value, '')} ({to_persian_digits(value)})"
            return format_number(value, 1)
        if self.kind == "decimal":
            return format_number(value, self.decimals)
        return to_persian_digits(value) if isinstance(value, int | float | Decimal) else str(value)

    def export_value(self, value):
        """The value as written to a spreadsheet: numbers stay numbers, dates are Jalali."""
        if value is None:
            return None
        if self.kind == "date":
            if isinstance(value, datetime.datetime):
                value = timezone.localtime(value) if timezone.is_aware(value) else value
                value = value.date()
            return format_jalali(value)
        if self.is_number:
            if isinstance(value, Decimal):
                return float(round(value, self.decimals if self.kind == "decimal" else 1))
            if isinstance(value, float):
                return round(value, self.decimals if self.kind == "decimal" else 1)
            return value
        return str(value)


def format_number(value, decimals: int = 0) -> str:
    """۱۲٬۳۴۵ or ۲۳٫۵: Persian digits, Persian thousands and decimal separators."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    return to_persian_digits(text.replace(",", "٬").replace(".", "٫"))


def _chart_number(value):
    if value is None:
        return None
    return round(float(value), 2) if isinstance(value, Decimal | float) else value


@dataclass
class Figure:
    """One chart with its table. `rows` are dicts keyed by the columns' keys; a row with
    `"_highlight": True` is marked (the district chosen, say), `"_total": True` is a total."""

    slug: str
    title: str
    columns: list[Column]
    rows: list[dict]
    chart_type: str = "bar"  # chart.js type: "bar", "line"; None for a table alone
    note: str = ""
    y_max: float | None = None
    export_url: str = ""  # set by the page: same filters, same scope
    subtitle: str = ""  # the filters in words, set by the page
    extra: dict = field(default_factory=dict)

    @property
    def is_wide(self) -> bool:
        """A table too wide to sit beside its chart: the chart goes above it."""
        return len(self.columns) > 6

    @property
    def label_column(self) -> Column:
        return next(c for c in self.columns if c.kind == "text")

    @property
    def chart_rows(self) -> list[dict]:
        # Totals are in the table; drawn beside the parts they would dwarf them.
        return [row for row in self.rows if not row.get("_total")]

    def chart_config(self) -> dict:
        """The chart.js configuration (data only; fonts and digits are set by dashboard.js)."""
        label = self.label_column
        rows = self.chart_rows
        datasets = [
            {"label": str(c.label), "data": [_chart_number(r.get(c.key)) for r in rows]}
            for c in self.columns
            if c.chart
        ]
        config = {
            "type": self.chart_type,
            "data": {"labels": [str(r.get(label.key, "")) for r in rows], "datasets": datasets},
            "options": {"scales": {"y": {"beginAtZero": True}}},
        }
        if self.y_max is not None:
            config["options"]["scales"]["y"]["max"] = self.y_max
        return config

    def table(self) -> list[dict]:
        """Rows for the template: each cell's display text and whether it is a number."""
        return [
            {
                "highlight": bool(row.get("_highlight")),
                "total": bool(row.get("_total")),
                "cells": [
                    {"text": c.display(row.get(c.key)), "number": c.is_number} for c in self.columns
                ],
            }
            for row in self.rows
        ]
