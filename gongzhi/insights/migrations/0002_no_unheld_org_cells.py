"""Organization counter cells for orders nobody holds (org_id 0) are no longer kept (see store.grouped_sql):
remove the ones databases made before this change still have, so `gongzhi insights verify` agrees."""

from django.db import migrations

# The organization grains as they were when this migration was written: monthly 2, 3, 4, 6 and yearly 12, 13, 14, 16.
ORG_GRAINS = (2, 3, 4, 6, 12, 13, 14, 16)


def forwards(apps, schema_editor):
    Tally = apps.get_model("insights", "Tally")
    Tally.objects.filter(grain__in=ORG_GRAINS, org_id=0).delete()


def backwards(apps, schema_editor):
    """Nothing to restore by hand: `gongzhi insights_rebuild` (or the older code's rebuild) recomputes the cells."""


class Migration(migrations.Migration):
    dependencies = [("insights", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
