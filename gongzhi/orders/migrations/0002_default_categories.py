from django.db import migrations

from gongzhi.orders.defaults import ensure_default_categories


def create(apps, schema_editor):
    ensure_default_categories(apps.get_model("orders", "Category"))


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
