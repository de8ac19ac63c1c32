"""The resident registry: trainees, enrolments, attendance, outcomes, products and sales.

One module per concern:
- registry: trainees, possible duplicates, spreadsheet imports, and the scope of rows about
  residents as people
- training: enrolments, attendance, requests to join a cohort
- outcomes: outcomes, products, sales
- certificates: certificates and their revocation
- counselling: topics, counsellors' hours, bookings, sessions' notes and referrals
"""

from .catalogue import *  # noqa: F403
from .certificates import *  # noqa: F403
from .counselling import *  # noqa: F403
from .outcomes import *  # noqa: F403
from .registry import *  # noqa: F403
from .registry import _import_upload_to  # noqa: F401 (named by migration 0001)
from .training import *  # noqa: F403
