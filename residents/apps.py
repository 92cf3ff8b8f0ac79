from __future__ import annotations

from typing import TYPE_CHECKING

from celery.schedules import crontab
from django.apps import AppConfig
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from nanhai_portal.accounts.models import User


def permit_tile_status(user: User) -> str | None:
    """The line under "My residence permit" on the home page: what is due, and when."""
    from residents import selectors  # models are not ready when this module is imported
    from residents.models import Permit

    standing = selectors.permit_standing(user)
    permit, endorsement = standing.permit, standing.endorsement
    endorsable = (Permit.Status.ENDORSEMENT_DUE, Permit.Status.SUSPENDED)
    if endorsement is not None and permit is not None and permit.status in endorsable:
        return gettext("Endorsement application: %(status)s") % {"status": endorsement.get_status_display()}
    if permit is not None and permit.status == Permit.Status.ENDORSEMENT_DUE:
        return gettext("Permit endorsement due: %(opens)s to %(by)s") % {
            "opens": permit.next_endorsement_due.isoformat(),
            "by": permit.endorse_by.isoformat(),
        }
    if permit is not None and permit.status == Permit.Status.SUSPENDED:
        return gettext("Permit suspended: endorse it to restore it")
    if (
        not standing.holds_live_permit
        and standing.eligible_from is not None
        and standing.eligible_from > standing.today
    ):
        return gettext("You can apply for a residence permit from %(date)s") % {
            "date": standing.eligible_from.isoformat()
        }
    return None


def queue_work_count(user: User) -> int:
    """The number on "Application queue": the applications waiting for an officer's action."""
    from residents import selectors

    return selectors.review_queue(user=user).count()


class ResidentsConfig(AppConfig):
    name = "residents"
    verbose_name = _("New residents")

    def ready(self) -> None:
        from nanhai_portal.accounts.home import HomeTile, SignInLink, register_home_tiles, register_sign_in_links
        from nanhai_portal.accounts.roles import Role, register_role_permissions
        from nanhai_portal.notifications.channels import Channel
        from nanhai_portal.notifications.messages import register_event
        from nanhai_portal.periodic import register_periodic_tasks
        from residents.models import Application

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
                    status=permit_tile_status,
                ),
                HomeTile(
                    _("Application queue"),
                    _("Your town's applications waiting for you: the overdue first, then the nearest deadline."),
                    "residents:queue",
                    {Role.TOWN_OFFICER: 10, Role.TOWN_ADMIN: 30},
                    count=queue_work_count,
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
                # Endorsement reminders and suspensions: they send SMS, so in the morning, Beijing
                # time (pages and the API count a permit's status from its dates, not this run).
                "residents-permits-daily": {"task": "residents.permits_daily", "schedule": crontab(hour=8, minute=5)},
                # Sign-ups whose code was never confirmed, and their inactive accounts, after a day.
                "residents.signups_purge": {"task": "residents.signups_purge", "schedule": crontab(minute=17)},
                # "You can apply for a permit from today": in the morning, not at night (it sends SMS).
                "residents.permit_eligible_daily": {
                    "task": "residents.permit_eligible_daily",
                    "schedule": crontab(hour=9, minute=0),
                },
            },
        )

        application = {"application_id": "3f6c1e1e-8f0b-4c55-9a57-1f1a3f1c0d11", "kind": "permit_issue"}
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
                labels={"kind": dict(Application.Kind.choices).get},  # the kind's code, shown in the reader's language
                example={
                    **application,
                    **{key: examples[key] for key in required.get(status, [])},
                    **{key: "—" for key in extra},
                },
            )
        register_event(
            "permit.endorsement_due",
            channels=[Channel.SMS],
            required=["permit_number", "window_opens", "endorse_by"],
            example={"permit_number": "44060526000001", "window_opens": "2026-12-01", "endorse_by": "2026-12-31"},
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
        # The day six months of registered residence are complete: a permit may be applied for.
        register_event(
            "permit.eligible",
            channels=[Channel.SMS],
            required=["eligible_from"],
            example={"eligible_from": "2026-12-31"},
        )

        # The names of the audit actions this app records (nanhai_portal.audit.actions).
        from django.utils.translation import pgettext_lazy

        from nanhai_portal.audit.actions import Detail, register_actions
        from residents.models import Document

        register_actions(
            self,
            {
                "accounts.signed_up": pgettext_lazy("audit action", "Signed up"),
                "accounts.privacy_consented": pgettext_lazy("audit action", "Agreed to the privacy notice"),
                "residents.registered": pgettext_lazy("audit action", "Residence registered"),
                "residents.moved_out": pgettext_lazy("audit action", "Moved out"),
                "residents.moved_in": pgettext_lazy("audit action", "Moved in"),
                "residents.signup_id_number_registered": pgettext_lazy(
                    "audit action", "Sign-up stopped: ID number already registered"
                ),
                "application.created": pgettext_lazy("audit action", "Application started"),
                "application.changed": pgettext_lazy("audit action", "Application changed"),
                "application.document_added": pgettext_lazy("audit action", "Document uploaded"),
                "application.submitted": pgettext_lazy("audit action", "Application submitted"),
                "application.accepted": pgettext_lazy("audit action", "Application accepted"),
                "application.returned": pgettext_lazy("audit action", "Returned for correction"),
                "application.approved": pgettext_lazy("audit action", "Application approved"),
                "application.rejected": pgettext_lazy("audit action", "Application rejected"),
                "application.issued": pgettext_lazy("audit action", "Certificate issued"),
                "application.delivered": pgettext_lazy("audit action", "Certificate delivered"),
                "permit.endorsed": pgettext_lazy("audit action", "Permit endorsed"),
                "permit.suspended": pgettext_lazy("audit action", "Permit suspended"),
            },
            details={
                "to": Detail(pgettext_lazy("audit detail", "moved to"), is_town=True),
                "from": Detail(pgettext_lazy("audit detail", "moved from"), is_town=True),
                "late": pgettext_lazy("audit detail", "endorsed late"),
                "id_number": _("ID number"),
                "note": _("note"),
                "application.document_added:kind": Detail(_("document"), choices=tuple(Document.Kind.choices)),
            },
        )
