"""Admin for the registry: the centre staff's daily work, one module per concern (importing
them registers their ModelAdmins). Every write goes through the services."""

from . import (  # noqa: F401
    catalogue,
    certificates,
    counselling,
    enrolments,
    filters,
    outcomes,
    registry,
    waiting,
)
