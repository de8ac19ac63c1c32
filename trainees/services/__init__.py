"""Writes on the registry, one module per concern; every service is importable from here.

- registry: registering and updating trainees, possible duplicates, residents' accounts
- counselling: slots, bookings, reminders, the session's record, notes and referrals
- enrolment: enrolling, the waiting list, dropping out
- attendance: a session's attendance, offline batches
- certificates: issuing and revoking certificates, completing a cohort
- outcomes: outcomes, products and sales
- imports: the spreadsheet import (preview, confirm, apply)
- interest: requests to join a cohort from the public portal
- reminders: SMS reminders of sessions
- catalogue: the public catalogue of home businesses and messages to them
- sharing: a person's consent to show their details to a centre that enrols them
"""

from .attendance import *  # noqa: F403
from .catalogue import *  # noqa: F403
from .certificates import *  # noqa: F403
from .counselling import *  # noqa: F403
from .enrolment import *  # noqa: F403
from .imports import *  # noqa: F403
from .interest import *  # noqa: F403
from .outcomes import *  # noqa: F403
from .registry import *  # noqa: F403
from .reminders import *  # noqa: F403
from .sharing import *  # noqa: F403
