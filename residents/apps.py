from celery.schedules import crontab
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    name = "residents"
    verbose_name = _("New residents")

    def ready(self) -> None:
        from nanhai_portal.accounts.home import HomeTile, SignInLink, register_home_tiles, register_sign_in_links
        from nanhai_portal.accounts.roles import Role, register_role_permissions
        from nanhai_portal.notifications.channels import Channel
        from nanhai_portal.notifications.messages import register_event
        from nanhai_portal.periodic import register_periodic_tasks

        review = [
            "residents.view_resident",
            "residents.view_application",
            "residents.review_application",
            "residents.view_permit",
            "residents.view_document",
        ]
        read = ["residents.view_resident", "residents.view_application", "residents.view_permit"]
        register_role_permissions(
            self,
            {
                Role.TOWN_OFFICER: review,
                Role.TOWN_ADMIN: review,
                Role.DISTRICT_OFFICIAL: read,
                Role.DISTRICT_ADMIN: read,
            },
        )
        register_home_tiles(
            self,
            [
                HomeTile(
                    _("Apply online"),
                    _(
                        "Residence registration, a residence permit, its yearly endorsement or a new card: checked before you send it, and posted to you if you like."
                    ),
                    "residents:apply",
                    {Role.RESIDENT: 10},
                ),
                HomeTile(
                    _("My applications"),
                    _("Where each application stands, step by step."),
                    "residents:my-applications",
                    {Role.RESIDENT: 20},
                ),
                HomeTile(
                    _("My residence permit"),
                    _("Your permit, its status and when the next endorsement is due."),
                    "residents:my-permit",
                    {Role.RESIDENT: 30},
                ),
                HomeTile(
                    _("Application queue"),
                    _("Review your town's residence and permit applications by deadline."),
                    "residents:queue",
                    {Role.TOWN_OFFICER: 10, Role.TOWN_ADMIN: 30},
                ),
            ],
        )
        register_sign_in_links(
            self,
            [SignInLink(_("New to Nanhai?"), _("Sign up with your ID card and mobile number"), "residents:signup")],
        )
        register_periodic_tasks(
            self,
            {
                # Endorsement reminders and suspensions, after midnight Beijing time.
                "residents-permits-daily": {"task": "residents.permits_daily", "schedule": crontab(hour=1, minute=5)},
                # Sign-ups whose code was never confirmed, and their inactive accounts, after a day.
                "residents.signups_purge": {"task": "residents.signups_purge", "schedule": crontab(minute=17)},
            },
        )

        application = {"application_id": "3f6c1e1e-8f0b-4c55-9a57-1f1a3f1c0d11", "kind": "居住证申领"}
        # A submission tells its number (办件编号) and the day a decision is expected.
        required = {"submitted": ["number", "expected_by"]}
        examples = {"number": "011-261130-00042", "expected_by": "2026-12-15"}
        for status, extra in (
            ("submitted", ()),
            ("accepted", ("due",)),
            ("returned", ("reasons",)),
            ("approved", ()),
            ("rejected", ("reason",)),
            ("issued", ("permit_number",)),
            ("delivered", ("tracking_number",)),
        ):
            register_event(
                f"application.{status}",
                channels=[Channel.SMS],
                required=["application_id", "kind", *required.get(status, [])],
                optional=list(extra),
                example={
                    **application,
                    **{key: examples[key] for key in required.get(status, [])},
                    **{key: "—" for key in extra},
                },
            )
        register_event(
            "permit.endorsement_due",
            channels=[Channel.SMS],
            required=["permit_number", "endorse_by"],
            example={"permit_number": "44060526000001", "endorse_by": "2026-12-31"},
        )
        register_event(
            "account.verify_mobile",
            channels=[Channel.SMS],
            always=[Channel.SMS],  # a code cannot do without it: refused, not dropped, when the budget is spent
            required=["code"],
            optional=["minutes"],
            secret=["code"],
            example={"code": "123456", "minutes": 10},
        )
        # To the holder of a mobile number that someone tried to sign up with (signup.py).
        register_event("account.signup_attempted", channels=[Channel.SMS], always=[Channel.SMS], example={})
        register_event(
            "permit.suspended",
            channels=[Channel.SMS],
            required=["permit_number"],
            example={"permit_number": "44060526000001"},
        )
