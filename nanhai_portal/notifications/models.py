"""Inbox (站内消息), outbox, preferences, fan-outs (群发) and the development record of sends.

Tenancy. A notification belongs to a person, and people are district-wide (a resident
moves between towns, and sign-in happens before any town is known), so ``Notification``,
``OutboxMessage``, ``NotificationPreference`` and ``SentMessage`` are *not* tenant-owned:
they have no ``town_id`` column and no row-level security. Every read of them is filtered
by the recipient (``access.inbox_for``), and the API answers another person's
notification with 404. A fan-out is started by a town for its own people, so ``FanOut``
and ``FanOutChunk`` are ``TenantModel``s: scoped managers and row-level security.

Sending twice is made impossible by the database: one outbox row per notification and
channel (and per fan-out, recipient and channel), and the development backend's record is
unique per outbox row and channel (the idempotency key a real gateway would get).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nanhai_portal.notifications.channels import Channel
from nanhai_portal.pii.fields import EncryptedField
from nanhai_portal.tenancy.models import TenantModel


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class NotificationPreference(models.Model):
    """How a person wants to hear from the portal: language and channels (in-app is always on).

    A person without a row gets the defaults: Simplified Chinese, in-app and SMS.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.ZH_HANS)
    sms = models.BooleanField(_("SMS"), default=True)
    email = models.BooleanField(_("email"), default=False)
    wechat = models.BooleanField(_("WeChat"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language} {','.join(self.opted_in_channels())}"

    def opted_in_channels(self) -> list[str]:
        return [channel for channel in Channel.values if getattr(self, channel)]


class FanOut(TenantModel):
    """One message sent by a town to a segment of its people (群发), in chunks, with progress.

    ``total`` recipients were found when the fan-out was planned; ``processed`` of them have
    their notification and outbox rows. Delivery on each channel is tracked by the outbox.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to start")
        RUNNING = "running", _("running")
        FINISHED = "finished", _("finished")
        FAILED = "failed", _("failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.CharField(_("event"), max_length=64)
    context = models.JSONField(_("context"), default=dict, blank=True)
    segment = models.CharField(_("segment"), max_length=64)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(_("recipients"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    chunks_total = models.PositiveIntegerField(_("chunks"), default=0)
    chunks_done = models.PositiveIntegerField(_("chunks done"), default=0)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("fan-out")
        verbose_name_plural = _("fan-outs")
        indexes = [models.Index(fields=["town", "-created_at"], name="fanout_town_time")]
        constraints = [
            models.CheckConstraint(name="fanout_processed_within_total", condition=Q(processed__lte=models.F("total"))),
            models.CheckConstraint(
                name="fanout_chunks_within_total", condition=Q(chunks_done__lte=models.F("chunks_total"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.segment} ({self.town_id}, {self.created_at:%Y-%m-%d %H:%M})"

    @property
    def percent(self) -> int:
        """Recipients processed, in whole percent (100 once a fan-out without recipients finished)."""
        if self.total == 0:
            return 100 if self.status == self.Status.FINISHED else 0
        return self.processed * 100 // self.total

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)


class FanOutChunk(TenantModel):
    """Up to a few hundred recipients of a fan-out, processed by one task, exactly once.

    ``done_at`` is set by a conditional UPDATE in the same transaction that writes the
    chunk's notifications, so a chunk task that runs twice (or twice at once) adds nothing.
    """

    fanout = models.ForeignKey(FanOut, on_delete=models.CASCADE, related_name="chunks", verbose_name=_("fan-out"))
    index = models.PositiveIntegerField(_("index"))
    user_ids = ArrayField(models.BigIntegerField(), verbose_name=_("recipients"))
    enqueued_at = models.DateTimeField(_("enqueued"), default=timezone.now)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        ordering = ["fanout", "index"]
        verbose_name = _("fan-out chunk")
        verbose_name_plural = _("fan-out chunks")
        constraints = [models.UniqueConstraint(fields=["town", "fanout", "index"], name="fanout_chunk_unique")]
        indexes = [
            models.Index(fields=["town", "enqueued_at"], condition=Q(done_at__isnull=True), name="fanout_chunk_open")
        ]

    def __str__(self) -> str:
        return f"{self.fanout_id} #{self.index}"


class Notification(models.Model):
    """One message in a person's inbox (站内消息).

    ``event`` and ``context`` (the event's details, its secrets masked) are what the inbox and
    the API render, in the reader's language, each time they show it. ``title`` and ``body``
    are the message as rendered when it was sent, in the recipient's language then: the record
    of what the channels sent, and the text shown when the template no longer renders or the
    row is older than ``context`` (``None``).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    event = models.CharField(_("event"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    context = models.JSONField(_("context"), null=True, blank=True, default=None, editable=False)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.ZH_HANS)
    # What the message is about: a path inside the portal, and the object's label and key.
    url = models.CharField(_("link"), max_length=300, blank=True)
    target_type = models.CharField(_("object type"), max_length=100, blank=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    fanout = models.ForeignKey(
        FanOut,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("fan-out"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["fanout", "recipient"], condition=Q(fanout__isnull=False), name="notification_once_per_fanout"
            ),
            # A link stays inside the portal: a path, never another site.
            models.CheckConstraint(
                name="notification_url_is_local",
                condition=Q(url="") | (Q(url__startswith="/") & ~Q(url__startswith="//")),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class OutboxMessage(models.Model):
    """One notification to be sent on one channel: written with the notification, sent after.

    A worker claims the row (``pending`` → ``sending``, with a lease) by a conditional UPDATE
    before it sends, and passes the row's id to the backend as the idempotency key; the sweep
    gives back rows whose worker died (lease expired) and enqueues rows whose task was lost.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="outbox", verbose_name=_("notification")
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("recipient")
    )
    fanout = models.ForeignKey(
        FanOut, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("fan-out")
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=128, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # The body with the event's secret (a verification code), for the channel only: encrypted,
    # never shown, and wiped once the message is sent or given up. Empty for other events,
    # whose channel body is the notification's.
    channel_body = EncryptedField(_("channel body"), kind="message", null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="outbox_once_per_channel"),
            models.UniqueConstraint(
                fields=["fanout", "recipient", "channel"],
                condition=Q(fanout__isnull=False),
                name="outbox_once_per_fanout_channel",
            ),
            models.CheckConstraint(name="outbox_sent_has_time", condition=~Q(status="sent") | Q(sent_at__isnull=False)),
            models.CheckConstraint(
                name="outbox_sending_has_lease", condition=~Q(status="sending") | Q(lease_until__isnull=False)
            ),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="outbox_due"),
            models.Index(fields=["lease_until"], condition=Q(status="sending"), name="outbox_leased"),
            models.Index(
                fields=["fanout", "channel", "status"], condition=Q(fanout__isnull=False), name="outbox_fanout_progress"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.status} {self.id}"


class SentMessage(models.Model):
    """What the development backend would have sent: browse it in the back office in a demo.

    The address is stored masked; the user is kept to find the person. One row per outbox
    row and channel: a second send with the same idempotency key finds the first.
    """

    outbox_id = models.UUIDField(_("outbox message"))
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    recipient = models.CharField(_("recipient (masked)"), max_length=64, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("sent message (development)")
        verbose_name_plural = _("sent messages (development)")
        constraints = [models.UniqueConstraint(fields=["outbox_id", "channel"], name="sent_message_once_per_channel")]

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient}: {self.subject}"
