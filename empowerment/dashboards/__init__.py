"""Dashboards for council members and HQ officials: `/dashboard/` and below.

The pieces a dashboard page is made of:

- `filters.DashboardFilterForm`: the GET filters (Jalali year and quarter, geography,
  programme), limited to the user's scope; gives a `Period` and `restrict()`.
- `figures.Figure`: one chart with its table beside it and an .xlsx export.
- `exports.figure_xlsx_response`: the export of one figure.
- `views.DashboardPage`: a page is a subclass with a `slug`, a `title`, a `permission` and
  `get_figures(filters)`; `@register` mounts it with its export URL and links it.
"""
