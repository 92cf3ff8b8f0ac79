from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from nanhai_portal.accounts.models import User


def verification_work_count(user: User) -> int:
    """The submitted applications awaiting verification that ``user`` sees (the queue's tile)."""
    from education import access
    from education.models import AdmissionApplication

    return access.applications_visible_to(user).filter(status=AdmissionApplication.Status.SUBMITTED).count()


def objections_open_count(user: User) -> int:
    from education import access, selectors

    return selectors.open_objections(access.applications_visible_to(user)).count()


class EducationConfig(AppConfig):
    name = "education"
    verbose_name = _("School places by points")

    def ready(self) -> None:
        from django.utils.translation import pgettext_lazy

        from nanhai_portal.accounts.home import HomeTile, register_home_tiles
        from nanhai_portal.accounts.roles import Role, register_role_permissions
        from nanhai_portal.audit.actions import register_actions
        from nanhai_portal.notifications.channels import Channel
        from nanhai_portal.notifications.messages import register_event

        read = [
            "education.view_school",
            "education.view_admissionround",
            "education.view_roundschool",
            "education.view_pointsscheme",
            "education.view_schemeitem",
            "education.view_schemegroup",
            "education.view_admissionapplication",
        ]
        verify = [*read, "education.verify_admissionapplication"]
        manage = [
            *verify,
            "education.manage_admissionround",
            *["education.add_school", "education.change_school"],
            *["education.add_admissionround", "education.change_admissionround"],
            *["education.add_roundschool", "education.change_roundschool", "education.delete_roundschool"],
            *["education.add_pointsscheme", "education.change_pointsscheme"],
            *["education.add_schemeitem", "education.change_schemeitem", "education.delete_schemeitem"],
            *["education.add_schemegroup", "education.change_schemegroup", "education.delete_schemegroup"],
        ]
        register_role_permissions(
            self,
            {
                Role.TOWN_OFFICER: verify,
                Role.TOWN_ADMIN: manage,
                Role.DISTRICT_OFFICIAL: read,
                Role.DISTRICT_ADMIN: read,
            },
        )
        register_event(
            "education.points_published",
            channels=[Channel.SMS],
            required=["round", "points"],
            example={"round": "桂城街道2027年积分入学", "points": "236.50"},
        )
        objection_states = {
            "upheld": pgettext_lazy("objection", "upheld"),
            "dismissed": pgettext_lazy("objection", "dismissed"),
        }
        register_event(
            "education.objection_answered",
            channels=[Channel.SMS],
            required=["round", "points", "state"],
            labels={"state": objection_states.get},
            example={"round": "桂城街道2027年积分入学", "points": "246.50", "state": "upheld"},
        )
        register_event(
            "education.place_offered",
            channels=[Channel.SMS],
            required=["round", "school"],
            example={"round": "桂城街道2027年积分入学", "school": "桂城中心小学"},
        )
        register_event(
            "education.not_placed",
            channels=[Channel.SMS],
            required=["round"],
            example={"round": "桂城街道2027年积分入学"},
        )
        register_actions(
            self,
            {
                "education.school_created": pgettext_lazy("audit action", "School added"),
                "education.round_created": pgettext_lazy("audit action", "Admission round created"),
                "education.places_set": pgettext_lazy("audit action", "School places set"),
                "education.round_advanced": pgettext_lazy("audit action", "Admission round moved on"),
                "education.scheme_versioned": pgettext_lazy("audit action", "Points scheme: new version"),
                "education.application_created": pgettext_lazy("audit action", "Admission application created"),
                "education.application_changed": pgettext_lazy("audit action", "Admission application changed"),
                "education.document_added": pgettext_lazy("audit action", "Admission document added"),
                "education.application_submitted": pgettext_lazy("audit action", "Admission application submitted"),
                "education.facts_decided": pgettext_lazy("audit action", "Points facts verified"),
                "education.objection_filed": pgettext_lazy("audit action", "Objection to points filed"),
                "education.objection_answered": pgettext_lazy("audit action", "Objection to points answered"),
                "education.allocation_started": pgettext_lazy("audit action", "Allocation started"),
                "education.allocation_done": pgettext_lazy("audit action", "Allocation done"),
                "education.offer_accepted": pgettext_lazy("audit action", "School place accepted"),
                "education.offer_declined": pgettext_lazy("audit action", "School place declined"),
                "education.second_round_opened": pgettext_lazy("audit action", "Second round opened"),
                "education.second_choices_set": pgettext_lazy("audit action", "Second-round choices given"),
                "education.round_closed": pgettext_lazy("audit action", "Admission round closed"),
            },
            details={
                "grade": _("grade"),
                "choices": _("school choices"),
                "item": _("item"),
                "size": _("size"),
                "decisions": _("decisions"),
                "points": _("points"),
                "phase": _("phase"),
                "places": _("places"),
                "school": _("school"),
                "stage": _("stage"),
                "year": _("year"),
                "from": _("from"),
                "state": _("state"),
                "applicants": _("applicants"),
                "placed": _("placed"),
                "inputs_sha256": _("inputs hash"),
                "lapsed": _("offers lapsed"),
            },
        )
        register_home_tiles(
            self,
            [
                HomeTile(
                    _("School places by points"),
                    _("Apply for a public school place for your child, estimate your points, follow your application."),
                    "education:home",
                    {Role.RESIDENT: 40},
                ),
                HomeTile(
                    _("Points verification queue"),
                    _("Admission applications awaiting verification, the oldest first."),
                    "education:queue",
                    {Role.TOWN_OFFICER: 50, Role.TOWN_ADMIN: 70, Role.DISTRICT_OFFICIAL: 60, Role.DISTRICT_ADMIN: 60},
                    count=verification_work_count,
                ),
                HomeTile(
                    _("Objections to points"),
                    _("Families' objections to their published points, awaiting an answer."),
                    "education:objections",
                    {Role.TOWN_OFFICER: 55, Role.TOWN_ADMIN: 75},
                    count=objections_open_count,
                ),
            ],
        )
