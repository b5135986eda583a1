"""Monthly counter cells of two new levels without category or organization (see facts.GRAINS): "street" (7)
and "area" (8). Made here for the orders already counted by summing the monthly cells of the same level with
categories (1 and 5) over the categories, so `gongzhi insights verify` agrees straight away."""

from django.db import migrations

# (new grain, the grain it is summed from, the dimensions it keeps) as they were when this was written.
FROM = ((7, 1, "street"), (8, 5, "area"))
DIMENSIONS = ("district_id", "street_id", "area_id", "category_id", "org_id")
KEYS = {"street": ("district_id", "street_id"), "area": ("district_id", "street_id", "area_id")}


def forwards(apps, schema_editor):
    Tally = apps.get_model("insights", "Tally")
    quote = schema_editor.connection.ops.quote_name
    table = quote(Tally._meta.db_table)
    metrics = [f.column for f in Tally._meta.concrete_fields
               if f.column not in ("id", "grain", "month", "district_id", "street_id", "area_id", "category_id",
                                   "org_id")]
    Tally.objects.filter(grain__in=[new for new, _old, _level in FROM]).delete()
    with schema_editor.connection.cursor() as cursor:
        for new, old, level in FROM:
            keys = ", ".join(quote(k) for k in ("month", *KEYS[level]))
            dims = ", ".join(quote(k) if k in KEYS[level] else "0" for k in DIMENSIONS)  # a dropped one is 0
            columns = ", ".join(quote(c) for c in ("grain", "month", *DIMENSIONS, *metrics))
            sums = ", ".join(f"SUM({quote(m)})" for m in metrics)
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT %s, {quote('month')}, {dims}, {sums} "  # noqa: S608
                           f"FROM {table} WHERE {quote('grain')} = %s GROUP BY {keys}", [new, old])


def backwards(apps, schema_editor):
    apps.get_model("insights", "Tally").objects.filter(grain__in=[new for new, _old, _level in FROM]).delete()


class Migration(migrations.Migration):
    dependencies = [("insights", "0004_overdue_index")]
    operations = [migrations.RunPython(forwards, backwards)]
