"""The centres app's models, one module per concern:

- geography: provinces, cities, districts, neighbourhoods
- organisations: partners, centres, headquarters, staff roles
- news: articles and comments
- meetings: meetings, agenda, attendees, resolutions and follow-ups, commitments
- indicators: neighbourhood indicators per Jalali period
- sync: tombstones of deleted rows and the SQLite version clock (centres/sync.py)
"""

from .geography import *  # noqa: F403
from .indicators import *  # noqa: F403
from .meetings import *  # noqa: F403
from .news import *  # noqa: F403
from .organisations import *  # noqa: F403
from .sync import *  # noqa: F403
