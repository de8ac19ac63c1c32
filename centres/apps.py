from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from empowerment.kernel import roles


class CentresConfig(AppConfig):
    name = "centres"
    verbose_name = _("Centres and headquarters")

    def ready(self) -> None:
        # Models are loaded only now, so the modules that use them are imported here.
        # Groups and permissions read in Persian wherever they are listed (the group and
        # user pages, the delete confirmation): Django names them in English.
        from django.contrib.auth.models import Group, Permission

        from centres import scope, services, sync, tasks  # noqa: F401 (tasks: registers them)
        from centres.roles import group_label, permission_label

        Group.__str__ = group_label
        Permission.__str__ = permission_label

        # The kernel asks for a person's roles (masking, the second factor) through this.
        roles.register(scope.scope_for)
        # After the last app migrates, every model's permissions exist.
        post_migrate.connect(
            services.roles_sync_on_migrate, dispatch_uid="centres_sync_role_groups"
        )
        # The sync's version and tombstone triggers, also on a database built from the
        # models without migrations (the test suite's quick runs).
        post_migrate.connect(sync.install_triggers_on_migrate, dispatch_uid="centres_sync_triggers")
