import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("booking_core", "0011_calendar_sync"),
    ]

    operations = [
        migrations.AddField(
            model_name="service",
            name="vat_rate_bp",
            field=models.PositiveIntegerField(
                blank=True, help_text="Empty: the organisation's default VAT rate.", null=True,
                validators=[django.core.validators.MaxValueValidator(10000)],
            ),
        ),
    ]
