"""Load the starting national vocabularies (see ido.registrations.vocabularies)."""

from django.db import migrations

from ido.registrations.vocabularies import HELP_GIVEN, ORGANISATIONS, TOPICS, load_national_vocabularies


def add_terms(apps, schema_editor):
    load_national_vocabularies(
        apps.get_model("registrations", "Topic"),
        apps.get_model("registrations", "ServiceOrganisation"),
        apps.get_model("registrations", "HelpGiven"),
    )


def remove_terms(apps, schema_editor):
    for model, terms in (("Topic", TOPICS), ("ServiceOrganisation", ORGANISATIONS), ("HelpGiven", HELP_GIVEN)):
        apps.get_model("registrations", model).objects.filter(code__in=[term[0] for term in terms]).delete()


class Migration(migrations.Migration):
    dependencies = [("registrations", "0001_initial")]

    operations = [migrations.RunPython(add_terms, remove_terms)]
