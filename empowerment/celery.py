"""The Celery app. Settings come from Django's, under the CELERY_ namespace."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "empowerment.settings")

app = Celery("empowerment")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The dashboards live inside the empowerment package, not in an app of their own.
app.autodiscover_tasks(["empowerment.dashboards"])

# The beat schedule is declared in code; apps add their entries in their tasks modules
# through `app.conf.beat_schedule.update(...)`.
app.conf.beat_schedule = {}
