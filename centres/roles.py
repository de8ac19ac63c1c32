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
from django.core.exceptions import FieldDoesNotExist
from django.utils.module_loading import module_has_submodule
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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


ACTION_NAMES = {
    "add": _("may add"),
    "change": _("may change"),
    "delete": _("may delete"),
    "view": _("may view"),
}


def group_label(group) -> str:
    """A role's group by the role's Persian name (stored as `role:centre_staff`)."""
    role = group.name.removeprefix("role:")
    if group.name.startswith("role:") and role in R.values:
        return str(format_lazy("{}: {}", _("role"), R(role).label))
    return group.name


def _subject(model) -> str:
    """A model's Persian name; a history table (django-simple-history's `HistoricalX` and
    `HistoricalX_field`) by the name of what it keeps the history of."""
    name = model.__name__
    if not name.startswith("Historical"):
        return model._meta.verbose_name
    base_name, _sep, field_name = name.removeprefix("Historical").partition("_")
    try:
        base = apps.get_model(model._meta.app_label, base_name)
        kept = base._meta.get_field(field_name).verbose_name if field_name else None
    except (LookupError, FieldDoesNotExist):
        return model._meta.verbose_name
    what = (
        format_lazy("{} — {}", base._meta.verbose_name, kept) if kept else base._meta.verbose_name
    )
    return format_lazy("{} {}", _("history of"), what)


def permission_label(permission) -> str:
    """A permission in Persian: the model's name and the action (Django stores
    "Can add centre" in English when it creates the row)."""
    model = permission.content_type.model_class()
    subject = _subject(model) if model else permission.content_type.model
    action = permission.codename.partition("_")[0]
    default = f"{action}_{permission.content_type.model}"
    if action in ACTION_NAMES and permission.codename == default:
        return str(format_lazy("{} — {}", subject, ACTION_NAMES[action]))
    return str(format_lazy("{} — {}", subject, gettext(permission.name)))
