from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self):
        from allot.jobs.registry import tenant_job_register
        from billing import outbox_handlers  # noqa: F401  (register the outbox actions and the refund email)
        from billing.jobs import payment_holds_expire, payment_holds_next_due

        # When a tenant's payment hold runs out (the due-work index says when): its place is given back.
        tenant_job_register("billing.payment_holds_expire", payment_holds_expire, next_due=payment_holds_next_due)
