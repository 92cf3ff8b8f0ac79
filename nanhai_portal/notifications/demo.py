"""Demo notifications: a finished fan-out to each town's staff, and a welcome for each resident."""

from __future__ import annotations

from nanhai_portal.accounts.models import User
from nanhai_portal.areas.models import Town
from nanhai_portal.demo import DemoReport, demo_seeder
from nanhai_portal.notifications import fanouts
from nanhai_portal.notifications.models import FanOut, Notification
from nanhai_portal.notifications.services import notify
from nanhai_portal.tenancy import town_context

DEMO_TITLE = "消防安全提示"
DEMO_TEXT = "请各网格员本周内完成辖区出租屋烟感报警器和灭火器的巡查，发现隐患及时录入并跟进整改。"
RESIDENTS = ("resident.1", "resident.2", "resident.3")


@demo_seeder(order=30)
def seed_notifications(report: DemoReport, scale: str) -> None:
    fanned_out = 0
    for town in Town.objects.all():
        officer = User.objects.filter(username=f"officer.{town.code}").first()
        if officer is None:
            continue
        with town_context(town.code):
            if FanOut.objects.filter(context__text=DEMO_TEXT).exists():
                continue
            fanout = fanouts.fanout_start(
                created_by=officer,
                segment="town_staff",
                event="broadcast.message",
                context={"title": DEMO_TITLE, "text": DEMO_TEXT},
            )
            # Run it here rather than in a worker, so the demo starts with a finished one
            # (the plan task it enqueued finds it planned and does nothing).
            for chunk_id in fanouts.fanout_plan(fanout_id=fanout.pk):
                fanouts.fanout_process_chunk(chunk_id=chunk_id)
            fanned_out += 1

    welcomed = 0
    for resident in User.objects.filter(username__in=RESIDENTS):
        if not Notification.objects.filter(recipient=resident, event="account.welcome").exists():
            notify(user=resident, event="account.welcome", context={"name": resident.name})
            welcomed += 1
    if fanned_out or welcomed:
        report.lines.append(f"{fanned_out} fan-outs to town staff, {welcomed} welcome notifications")
