"""The counselling topics every centre starts with (staff manage the list afterwards)."""

from django.db import migrations

TOPICS = [
    "راهنمایی شغلی",
    "راه‌اندازی کسب‌وکار خانگی",
    "مشاوره خانواده",
    "ارجاع درمان اعتیاد",
    "مشاوره حقوقی و بیمه",
]


def seed(apps, schema_editor):
    Topic = apps.get_model("trainees", "CounsellingTopic")
    for order, name in enumerate(TOPICS, start=1):
        Topic.objects.get_or_create(name=name, defaults={"order": order})


class Migration(migrations.Migration):
    dependencies = [("trainees", "0010_counsel_counselling")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
