"""What each staff role may do with the registry, enrolments, attendance and imports (shape
and meaning: `centres/roles.py`)."""

from centres.models import StaffRole

R = StaffRole.Role

ROLE_PERMISSIONS: dict[str, dict[str, str]] = {
    R.CENTRE_STAFF: {
        "trainees.trainee": "vac",
        "trainees.enrolment": "vac",
        "trainees.attendance": "vacd",
        "trainees.outcome": "vac",
        "trainees.product": "vac",
        "trainees.sale": "vacd",
        "trainees.possibleduplicate": "vc",
        "trainees.traineeimport": "va",
        "trainees.cohortinterest": "vc",
        "trainees.certificate": "v",
        "trainees.catalogueentry": "vac",
        "trainees.businessmessage": "vc",
    },
    R.CENTRE_MANAGER: {
        "trainees.trainee": "vacd",
        "trainees.enrolment": "vacd",
        "trainees.attendance": "vacd",
        "trainees.outcome": "vacd",
        "trainees.product": "vacd",
        "trainees.sale": "vacd",
        "trainees.possibleduplicate": "vc",
        "trainees.traineeimport": "va",
        "trainees.cohortinterest": "vcd",
        # Issue (add) and revoke (EXTRA_PERMISSIONS); a certificate is never changed or
        # deleted: a revoked one keeps its page, which says so.
        "trainees.certificate": "va",
        "trainees.catalogueentry": "vac",
        "trainees.businessmessage": "vc",
    },
}

EXTRA_PERMISSIONS: dict[str, list[str]] = {
    R.CENTRE_STAFF: ["trainees.import_trainees"],
    R.CENTRE_MANAGER: [
        "trainees.import_trainees",
        "trainees.override_capacity",
        "trainees.revoke_certificate",
    ],
}
