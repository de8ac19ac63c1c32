"""What each staff role may do, as Django permissions on a group per role.

Scope (which rows) is decided by `scope.py`; this decides which actions. Each entry maps
"app_label.model" to the actions allowed: v(iew), a(dd), c(hange), d(elete). Apps further up
the layers add their models here by name, so that one table shows every role's rights.
Extra permissions (such as importing a spreadsheet) are listed by codename.
"""

from .models import StaffRole

R = StaffRole.Role

READ_GEOGRAPHY = {
    "centres.province": "v",
    "centres.city": "v",
    "centres.district": "v",
    "centres.neighbourhood": "v",
    "centres.centre": "v",
    "centres.headquarters": "v",
    "centres.partner": "v",
}

ROLE_PERMISSIONS: dict[str, dict[str, str]] = {
    R.CENTRE_STAFF: {
        **READ_GEOGRAPHY,
        "centres.indicator": "v",
        "programs.programme": "v",
        "programs.cohort": "vac",
        "programs.cohortsession": "vacd",
        "programs.ideacall": "v",
        "programs.ideacriterion": "v",
        "programs.idea": "vc",
        "trainees.trainee": "vac",
        "trainees.enrolment": "vac",
        "trainees.attendance": "vacd",
        "trainees.outcome": "vac",
        "trainees.product": "vac",
        "trainees.sale": "vacd",
        "trainees.possibleduplicate": "vc",
        "trainees.traineeimport": "va",
        "trainees.cohortinterest": "vc",
        "centres.article": "vac",
        "centres.comment": "vc",
    },
    R.CENTRE_MANAGER: {
        **READ_GEOGRAPHY,
        "centres.centre": "vc",
        "centres.staffrole": "v",
        "centres.indicator": "v",
        "centres.meeting": "vacd",
        "centres.agendaitem": "vacd",
        "centres.meetingattendee": "vacd",
        "centres.resolution": "vac",
        "centres.resolutionfollowup": "va",
        "centres.commitment": "vac",
        "centres.commitmentmilestone": "vacd",
        "programs.programme": "vac",
        "programs.cohort": "vacd",
        "programs.cohortsession": "vacd",
        "programs.ideacall": "vacd",
        "programs.ideacriterion": "vacd",
        "programs.idea": "vc",
        "programs.ideareview": "v",
        "programs.ideascore": "v",
        "trainees.trainee": "vacd",
        "trainees.enrolment": "vacd",
        "trainees.attendance": "vacd",
        "trainees.outcome": "vacd",
        "trainees.product": "vacd",
        "trainees.sale": "vacd",
        "trainees.possibleduplicate": "vc",
        "trainees.traineeimport": "va",
        "trainees.cohortinterest": "vcd",
        "centres.article": "vacd",
        "centres.comment": "vcd",
    },
    R.HQ_SECRETARY: {
        **READ_GEOGRAPHY,
        "centres.meeting": "vacd",
        "centres.agendaitem": "vacd",
        "centres.meetingattendee": "vacd",
        "centres.resolution": "vacd",
        "centres.resolutionfollowup": "vac",
        "centres.commitment": "vacd",
        "centres.commitmentmilestone": "vacd",
        "centres.indicator": "vacd",
    },
    R.PARTNER_OFFICER: {
        "centres.partner": "v",
        "centres.meeting": "v",
        "centres.resolution": "v",
        "centres.resolutionfollowup": "va",
        "centres.commitment": "v",
        "centres.commitmentmilestone": "v",
    },
    R.COUNCIL_MEMBER: {
        **READ_GEOGRAPHY,
        "centres.meeting": "v",
        "centres.resolution": "v",
        "centres.commitment": "v",
        "centres.indicator": "v",
    },
    R.VIEWER: {**READ_GEOGRAPHY, "centres.indicator": "v"},
    R.REVIEWER: {
        "programs.ideacall": "v",
        "programs.idea": "v",
        "programs.ideareview": "vac",
        "programs.ideascore": "v",
    },
    R.ADMINISTRATOR: {},
}

# Roles that work in the admin (is_staff); council members and viewers use the dashboards.
ADMIN_ROLES = {
    R.CENTRE_STAFF,
    R.CENTRE_MANAGER,
    R.HQ_SECRETARY,
    R.PARTNER_OFFICER,
    R.REVIEWER,
    R.ADMINISTRATOR,
}

# The dashboards read summary tables (empowerment app); each opens with its table's view.
DASHBOARDS = {
    "overview": "empowerment.trainingsummary",
    "ideas": "empowerment.ideasummary",
    "headquarters": "empowerment.headquarterssummary",
}
for _role, _pages in {
    R.COUNCIL_MEMBER: ("overview", "ideas", "headquarters"),
    R.VIEWER: ("overview", "ideas", "headquarters"),
    R.HQ_SECRETARY: ("overview", "ideas", "headquarters"),
    R.CENTRE_MANAGER: ("overview", "ideas", "headquarters"),
    R.CENTRE_STAFF: ("overview", "ideas"),
    R.PARTNER_OFFICER: ("headquarters",),
}.items():
    ROLE_PERMISSIONS[_role].update({DASHBOARDS[page]: "v" for page in _pages})

ACTIONS = {"v": "view", "a": "add", "c": "change", "d": "delete"}

EXTRA_PERMISSIONS: dict[str, list[str]] = {
    R.CENTRE_STAFF: ["trainees.import_trainees"],
    R.CENTRE_MANAGER: ["trainees.import_trainees", "trainees.override_capacity"],
}


def permission_names(role: str) -> list[str]:
    names = [
        f"{model.split('.')[0]}.{ACTIONS[letter]}_{model.split('.')[1]}"
        for model, letters in ROLE_PERMISSIONS.get(role, {}).items()
        for letter in letters
    ]
    return names + EXTRA_PERMISSIONS.get(role, [])


def group_name(role: str) -> str:
    return f"role:{role}"
