# Open orders: the deadline index also carries the columns the overdue count filters on.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('insights', '0003_year_to_date_cells'),
        ('orders', '0002_default_categories'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='orderfact',
            name='orderfact_open',
        ),
        migrations.AddIndex(
            model_name='orderfact',
            index=models.Index(condition=models.Q(('due_at__isnull', False)), fields=['due_at', 'district_id', 'street_id', 'area_id', 'org_id', 'category_id'], name='orderfact_open'),
        ),
    ]
