from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    name = "residents"
    verbose_name = _("New residents")

    def ready(self) -> None:
        from nanhai_portal.notifications.channels import Channel
        from nanhai_portal.notifications.messages import register_event

        application = {"application_id": "3f6c1e1e-8f0b-4c55-9a57-1f1a3f1c0d11", "kind": "居住证申领"}
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
                required=["application_id", "kind"],
                optional=list(extra),
                example={**application, **{key: "—" for key in extra}},
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
