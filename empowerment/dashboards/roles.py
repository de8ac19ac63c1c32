"""Which dashboards each role reads (shape and meaning: `centres/roles.py`). A dashboard
page opens with the view permission of the summary table it reads."""

from centres.models import StaffRole

R = StaffRole.Role

DASHBOARDS = {
    "overview": "empowerment.trainingsummary",
    "ideas": "empowerment.ideasummary",
    "headquarters": "empowerment.headquarterssummary",
}
ROLE_PERMISSIONS: dict[str, dict[str, str]] = {
    role: {DASHBOARDS[page]: "v" for page in pages}
    for role, pages in {
        R.COUNCIL_MEMBER: ("overview", "ideas", "headquarters"),
        R.VIEWER: ("overview", "ideas", "headquarters"),
        R.HQ_SECRETARY: ("overview", "ideas", "headquarters"),
        R.CENTRE_MANAGER: ("overview", "ideas", "headquarters"),
        R.CENTRE_STAFF: ("overview", "ideas"),
        R.PARTNER_OFFICER: ("headquarters",),
    }.items()
}
