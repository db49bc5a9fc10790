"""Load the provisional KB categories and map the starting terms onto them (see ido.registrations.vocabularies)."""

from django.db import migrations

from ido.registrations.vocabularies import KB_CATEGORIES, load_kb_categories


def add_categories(apps, schema_editor):
    load_kb_categories(
        apps.get_model("registrations", "KbCategory"),
        apps.get_model("registrations", "Topic"),
        apps.get_model("registrations", "ServiceOrganisation"),
        apps.get_model("registrations", "HelpGiven"),
    )


def remove_categories(apps, schema_editor):
    for name in ("Topic", "ServiceOrganisation", "HelpGiven"):
        apps.get_model("registrations", name).objects.update(kb_category=None)
    codes = [category[1] for category in KB_CATEGORIES]
    apps.get_model("registrations", "KbCategory").objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("registrations", "0003_kb_mapping_favourites_settings")]

    operations = [migrations.RunPython(add_categories, remove_categories)]
