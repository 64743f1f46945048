from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("billing", "0004_subscriptions"),
    ]

    operations = [
        migrations.AddField(
            model_name="bookingpayment",
            name="method",
            field=models.CharField(
                choices=[("online", "online (Stripe Checkout)"), ("on_site", "paid on site")], default="online",
                max_length=20,
            ),
        ),
    ]
