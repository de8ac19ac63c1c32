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
        # Counselling: walk-ins booked for the centre's counsellors; never the notes.
        "trainees.counsellingtopic": "v",
        "trainees.counselloravailability": "v",
        "trainees.counsellingbooking": "vac",
        "trainees.counsellingreferral": "v",
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
        "trainees.counsellingtopic": "vac",
        "trainees.counselloravailability": "vacd",
        "trainees.counsellingbooking": "vac",
        "trainees.counsellingreferral": "vac",
        # Who read the centre's counselling notes by break-glass, and why.
        "trainees.counsellingnoteaccess": "v",
        "trainees.catalogueentry": "vac",
        "trainees.businessmessage": "vc",
    },
    # A counsellor works with their own bookings and the centre's: the registry to find a
    # trainee, the bookings, their sessions' record and referrals.
    R.COUNSELLOR: {
        "trainees.trainee": "v",
        "trainees.counsellingtopic": "v",
        "trainees.counselloravailability": "v",
        "trainees.counsellingbooking": "vac",
        "trainees.counsellingreferral": "vac",
    },
    # The partner's officer sees the referrals sent to their organisation and answers them.
    R.PARTNER_OFFICER: {"trainees.counsellingreferral": "vc"},
}

EXTRA_PERMISSIONS: dict[str, list[str]] = {
    R.CENTRE_STAFF: ["trainees.import_trainees"],
    R.CENTRE_MANAGER: [
        "trainees.import_trainees",
        "trainees.override_capacity",
        "trainees.revoke_certificate",
    ],
}
