from typing import Any

from rest_framework import serializers

from nanhai_portal.notifications import selectors
from nanhai_portal.notifications.models import FanOut, Notification


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    """A notification with its title and body in the caller's language (the request's)."""

    class Meta:
        model = Notification
        fields = ["id", "event", "title", "body", "url", "read_at", "created_at"]
        read_only_fields = fields

    def to_representation(self, instance: Notification) -> dict[str, Any]:
        data = super().to_representation(instance)
        text = selectors.notification_text(instance)
        data["title"], data["body"] = text.subject, text.body
        return data


class MarkAllReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were unread and are read now.")
    unread_count = serializers.IntegerField()


class FanOutCreateSerializer(serializers.Serializer):
    segment = serializers.CharField(max_length=64, help_text="A registered segment: town_residents, town_staff, ...")
    event = serializers.CharField(max_length=64, help_text="An event for broadcasting, e.g. broadcast.message.")
    # DRF's metaclass takes declared fields off the class, so ``self.context`` stays the serializer's.
    context = serializers.DictField(  # type: ignore[assignment]
        required=False, default=dict, help_text='The message\'s details, e.g. {"title": "...", "text": "..."}.'
    )


class FanOutSerializer(serializers.ModelSerializer[FanOut]):
    town = serializers.CharField(source="town_id", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None, allow_null=True)
    percent = serializers.IntegerField(read_only=True, help_text="Recipients processed, 0-100.")

    class Meta:
        model = FanOut
        fields = [
            "id",
            "town",
            "segment",
            "event",
            "context",
            "status",
            "total",
            "processed",
            "percent",
            "chunks_total",
            "chunks_done",
            "created_by",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields
