"""The admin of the app, one module per concern; importing them registers their
ModelAdmins."""

from . import indicators, meetings, news, organisations, waiting  # noqa: F401
