from django.db import migrations

from playbooks.defaults import install_defaults


def install(apps, schema_editor):
    install_defaults(
        apps.get_model("playbooks", "Playbook"),
        apps.get_model("playbooks", "PlaybookVersion"),
        apps.get_model("playbooks", "Step"),
    )


class Migration(migrations.Migration):
    dependencies = [("playbooks", "0001_initial")]

    # Reversing leaves the rows: teams may have cases pinned to them.
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
