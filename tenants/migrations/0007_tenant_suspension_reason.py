from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tenants', '0006_platform_audit_entry'),
    ]

    operations = [
        migrations.AddField(
            model_name='tenant',
            name='suspension_reason',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='tenant',
            name='status_before_suspension',
            field=models.CharField(blank=True, choices=[('active', 'active'), ('trial', 'trial'), ('suspended', 'suspended')], max_length=20),
        ),
    ]
