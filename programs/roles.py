"""What each staff role may do with programmes, cohorts, sessions and ideas (shape and
meaning: `centres/roles.py`)."""

from centres.models import StaffRole

R = StaffRole.Role

ROLE_PERMISSIONS: dict[str, dict[str, str]] = {
    R.CENTRE_STAFF: {
        "programs.programme": "v",
        "programs.cohort": "vac",
        "programs.cohortsession": "vacd",
        "programs.ideacall": "v",
        "programs.ideacriterion": "v",
        "programs.idea": "vc",
    },
    R.CENTRE_MANAGER: {
        "programs.programme": "vac",
        "programs.cohort": "vacd",
        "programs.cohortsession": "vacd",
        "programs.ideacall": "vacd",
        "programs.ideacriterion": "vacd",
        "programs.idea": "vc",
        "programs.ideareview": "v",
        "programs.ideascore": "v",
    },
    R.REVIEWER: {
        "programs.ideacall": "v",
        "programs.idea": "v",
        "programs.ideareview": "vac",
        "programs.ideascore": "v",
    },
}
