from django.conf import settings
from django.db import migrations, models

NEVER_CHANGED = """
CREATE OR REPLACE FUNCTION accounts_privacy_consent_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'privacy consents are never changed: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER accounts_privacy_consent_append_only BEFORE UPDATE ON accounts_privacyconsent
    FOR EACH ROW EXECUTE FUNCTION accounts_privacy_consent_refuse_change();
"""

DROP_NEVER_CHANGED = """
DROP TRIGGER IF EXISTS accounts_privacy_consent_append_only ON accounts_privacyconsent;
DROP FUNCTION IF EXISTS accounts_privacy_consent_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_mobile"),
    ]

    operations = [
        migrations.CreateModel(
            name="PrivacyConsent",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("notice_version", models.CharField(max_length=16, verbose_name="notice version")),
                ("accepted_at", models.DateTimeField(verbose_name="accepted at")),
                ("ip_address", models.GenericIPAddressField(blank=True, null=True, verbose_name="IP address")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=models.deletion.CASCADE,
                        related_name="privacy_consents",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "privacy consent",
                "verbose_name_plural": "privacy consents",
                "ordering": ["-accepted_at"],
                "default_permissions": ("view",),
            },
        ),
        migrations.RunSQL(NEVER_CHANGED, DROP_NEVER_CHANGED),
    ]
