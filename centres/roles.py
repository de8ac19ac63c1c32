"""What each staff role may do, as Django permissions on a group per role.

Scope (which rows) is decided by `scope.py`; this decides which actions. Each entry maps
"app_label.model" to the actions allowed: v(iew), a(dd), c(hange), d(elete). Extra
permissions (such as importing a spreadsheet) are listed by codename.

This module lists the rights on `centres`' own models. Each app further up the layers says
what the roles may do with its models in its own `roles.py` (`ROLE_PERMISSIONS` and
`EXTRA_PERMISSIONS`, same shape), found by `app_role_tables()` the way the admin finds
`admin.py` modules: a hook, so that nothing here names a model of a higher app.
"""

from functools import cache
from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule

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
        "centres.article": "vac",
        "centres.comment": "vc",
        "centres.commitmentcomment": "vc",
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
        "centres.article": "vacd",
        "centres.comment": "vcd",
        "centres.commitmentcomment": "vcd",
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
        "centres.commitmentcomment": "vcd",
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
    R.REVIEWER: {},
    R.COUNSELLOR: {**READ_GEOGRAPHY},
    R.ADMINISTRATOR: {},
}

# Roles that work in the admin (is_staff); council members and viewers use the dashboards.
ADMIN_ROLES = {
    R.CENTRE_STAFF,
    R.CENTRE_MANAGER,
    R.HQ_SECRETARY,
    R.PARTNER_OFFICER,
    R.REVIEWER,
    R.COUNSELLOR,
    R.ADMINISTRATOR,
}


ACTIONS = {"v": "view", "a": "add", "c": "change", "d": "delete"}

EXTRA_PERMISSIONS: dict[str, list[str]] = {}


@cache
def app_role_tables() -> tuple[tuple[dict[str, dict[str, str]], dict[str, list[str]]], ...]:
    """(ROLE_PERMISSIONS, EXTRA_PERMISSIONS) of this module and of every installed app's
    `roles.py`, lowest layer first."""
    tables = [(ROLE_PERMISSIONS, EXTRA_PERMISSIONS)]
    for config in apps.get_app_configs():
        if config.name == __package__ or not module_has_submodule(config.module, "roles"):
            continue
        module = import_module(f"{config.name}.roles")
        tables.append(
            (getattr(module, "ROLE_PERMISSIONS", {}), getattr(module, "EXTRA_PERMISSIONS", {}))
        )
    return tuple(tables)


def permission_names(role: str) -> list[str]:
    names: list[str] = []
    for permissions, extra in app_role_tables():
        names += [
            f"{model.split('.')[0]}.{ACTIONS[letter]}_{model.split('.')[1]}"
            for model, letters in permissions.get(role, {}).items()
            for letter in letters
        ]
        names += extra.get(role, [])
    return names


def group_name(role: str) -> str:
    return f"role:{role}"
