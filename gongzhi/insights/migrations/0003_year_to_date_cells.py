"""Year-to-date counter cells (grains 21-24, see facts.GRAINS): made here for the orders already counted,
summed from their monthly cells (grains 1-4), so `gongzhi insights verify` agrees straight away."""

from datetime import date

from django.db import migrations

# The levels with year-to-date cells as they were when this migration was written: monthly code + 20.
LEVELS = (1, 2, 3, 4)
KEYS = ("district_id", "street_id", "area_id", "category_id", "org_id")


def forwards(apps, schema_editor):
    Tally = apps.get_model("insights", "Tally")
    connection = schema_editor.connection
    quote, day = connection.ops.quote_name, connection.ops.adapt_datefield_value
    table = quote(Tally._meta.db_table)
    metrics = [f.column for f in Tally._meta.concrete_fields
               if f.column not in ("id", "grain", "month", *KEYS)]
    keys = ", ".join(quote(k) for k in KEYS)
    columns = ", ".join(quote(c) for c in ("grain", "month", *KEYS, *metrics))
    sums = ", ".join(f"SUM({quote(m)})" for m in metrics)
    years = sorted({d.year for d in Tally.objects.filter(grain__in=LEVELS).values_list("month", flat=True)})
    Tally.objects.filter(grain__in=[code + 20 for code in LEVELS]).delete()
    with connection.cursor() as cursor:
        for code in LEVELS:
            for year in years:
                for month in range(1, 12):
                    start, end = day(date(year, 1, 1)), day(date(year, month, 1))
                    cursor.execute(
                        f"INSERT INTO {table} ({columns}) SELECT %s, %s, {keys}, {sums} FROM {table} "  # noqa: S608
                        f"WHERE {quote('grain')} = %s AND {quote('month')} >= %s AND {quote('month')} <= %s "
                        f"GROUP BY {keys}",
                        [code + 20, end, code, start, end])


def backwards(apps, schema_editor):
    apps.get_model("insights", "Tally").objects.filter(grain__in=[code + 20 for code in LEVELS]).delete()


class Migration(migrations.Migration):
    dependencies = [("insights", "0002_no_unheld_org_cells")]
    operations = [migrations.RunPython(forwards, backwards)]
