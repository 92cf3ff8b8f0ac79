"""The events the portal tells people about, and their messages in Simplified Chinese and English.

An event is a name (``"<area>.<what happened>"``), the channels it may go out on, the
context keys its message needs, and two template files, in the owning app's ``templates/``
(the kernel's are in the project's)::

    templates/notifications/messages/<event>.zh-hans.txt
    templates/notifications/messages/<event>.en.txt

The first line of a file is the subject (the inbox title, the email subject); the rest is
the body. Templates render as plain text (no HTML escaping: SMS and email are not HTML;
pages escape the text when they show it), with the language they are rendered in active.

A message is rendered twice over: once when it is sent, in the recipient's language (what
SMS and email carry, kept on the notification), and each time the inbox shows it, in the
reader's language then (``selectors.notification_text``). So a context holds codes and
facts, not text for one language: a value that names something (an application's kind)
is passed as its code and declared in ``labels=``, and ``render`` puts the code's label in
the language being rendered. Text an official typed (a broadcast, a reason) stays as typed.

Adding an event is a ``register_event(...)`` call (here, or in the owning app's
``AppConfig.ready()``) and two template files.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.template import Context, TemplateDoesNotExist, engines
from django.utils import translation
from django.utils.translation import gettext as _

from nanhai_portal.notifications.channels import Channel
from nanhai_portal.notifications.models import Language

MAX_TEXT_LENGTH = 500  # an official's free text: about three SMS segments

# A code's label (lazy or plain text), or None for a value that is not one of the codes.
LabelOf = Callable[[str], object | None]


@dataclass(frozen=True)
class Event:
    """A kind of thing people are told about, and how it may reach them."""

    name: str
    channels: frozenset[str]
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    broadcast: bool = False  # officials may send it to a segment (a fan-out)
    example: Mapping[str, Any] = field(default_factory=dict)  # a context that renders: for tests and docs
    always: frozenset[str] = frozenset()  # channels used even when the person opted out (a sign-in code)
    secret: tuple[str, ...] = ()  # context keys only the channel message holds (a verification code)
    labels: Mapping[str, LabelOf] = field(default_factory=dict)  # context keys that hold codes

    def wanted_channels(self, opted_in: Iterable[str]) -> set[str]:
        """The channels a person with these opt-ins should get this event on (address permitting)."""
        return (set(opted_in) | self.always) & self.channels


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


_EVENTS: dict[str, Event] = {}


def register_event(
    name: str,
    *,
    channels: Iterable[str],
    required: Iterable[str] = (),
    optional: Iterable[str] = (),
    broadcast: bool = False,
    example: Mapping[str, Any] | None = None,
    always: Iterable[str] = (),
    secret: Iterable[str] = (),
    labels: Mapping[str, LabelOf] | None = None,
) -> Event:
    """Make ``name`` an event that ``notify`` accepts. Registering the same name again replaces it.

    ``channels`` are those the event may go out on, for people who opted into them; ``always``
    (a subset) are used whatever the person chose, for messages they cannot do without, such
    as a verification code. Either way the person needs an address on the channel.
    ``secret`` context keys (a verification code) are masked in the stored inbox message and
    appear only in what the channel sends. ``labels`` maps a context key whose value is a
    code to the code's label (``{"kind": dict(Application.Kind.choices).get}``): the message
    shows the label in the language it is rendered in; a value that is not a code shows as it is.
    """
    allowed = frozenset(Channel(channel).value for channel in channels)
    always_used = frozenset(Channel(channel).value for channel in always)
    if not always_used <= allowed:
        raise ValueError(f"{name}: the channels in always= must also be in channels=.")
    if not set(secret) <= set(required) | set(optional):
        raise ValueError(f"{name}: the keys in secret= must also be in required= or optional=.")
    if not set(labels or {}) <= set(required) | set(optional):
        raise ValueError(f"{name}: the keys in labels= must also be in required= or optional=.")
    event = Event(
        name=name,
        channels=allowed,
        required=tuple(required),
        optional=tuple(optional),
        broadcast=broadcast,
        example=dict(example or {}),
        always=always_used,
        secret=tuple(secret),
        labels=dict(labels or {}),
    )
    _EVENTS[name] = event
    return event


def registered_events() -> dict[str, Event]:
    return dict(_EVENTS)


def event_named(name: str) -> Event:
    """The registered event, or a ValidationError on ``event`` naming the ones there are."""
    try:
        return _EVENTS[name]
    except KeyError:
        raise ValidationError({"event": _("Unknown event %(name)s.") % {"name": name}}, code="unknown_event") from None


def clean_context(event: Event, context: Mapping[str, Any], *, allow_extra: bool = False) -> dict[str, Any]:
    """The context with every required key, each value a string, number or boolean.

    UUIDs become strings. Extra keys are refused unless ``allow_extra`` (callers in code may
    pass more than the message uses; people filling in a form may not). Raises
    ``ValidationError`` with one message per ``context.<key>``.
    """
    if not isinstance(context, Mapping):
        raise ValidationError({"context": _("Give the message's details as an object.")})
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    known = set(event.required) | set(event.optional)
    for key, value in context.items():
        if key not in known:
            if not allow_extra:
                errors[f"context.{key}"] = _("This message has no detail called %(key)s.") % {"key": key}
            continue
        if isinstance(value, uuid.UUID):
            value = str(value)
        if value is not None and not isinstance(value, str | int | float | bool):
            errors[f"context.{key}"] = _("Give text or a number.")
        elif isinstance(value, str) and len(value) > MAX_TEXT_LENGTH:
            errors[f"context.{key}"] = _("At most %(count)d characters.") % {"count": MAX_TEXT_LENGTH}
        else:
            cleaned[key] = value
    for key in event.required:
        if key not in context or context[key] in (None, ""):
            errors[f"context.{key}"] = _("This detail is required.")
    if errors:
        raise ValidationError(errors)
    return cleaned


def masked_context(event: Event, context: Mapping[str, Any]) -> dict[str, Any]:
    """``context`` with the event's secret values as asterisks (``123456`` → ``******``)."""
    return {key: "*" * len(str(value)) if key in event.secret else value for key, value in context.items()}


def template_name(event: str, language: str) -> str:
    return f"notifications/messages/{event}.{language}.txt"


# While set (``labels_remembered``), each label looked up is kept: one lookup per code and
# language for a whole batch of messages (``notify_many``) instead of one per message.
_remembered_labels: ContextVar[dict[tuple[Any, str, str], Any] | None] = ContextVar("remembered_labels", default=None)


@contextmanager
def labels_remembered() -> Iterator[None]:
    """Within the block, ``render`` looks each code's label up once per language."""
    token = _remembered_labels.set({})
    try:
        yield
    finally:
        _remembered_labels.reset(token)


def _label(label_of: LabelOf, value: str) -> Any:
    memo = _remembered_labels.get()
    if memo is None:
        return label_of(value)
    key = (label_of, value, translation.get_language() or "")
    if key not in memo:
        memo[key] = label_of(value)
    return memo[key]


def _labelled(event: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """``context`` with each code of the event's ``labels=`` keys as its label, in the active language."""
    spec = _EVENTS.get(event)  # an event no longer registered renders its codes as they are
    labels = spec.labels if spec is not None else {}
    shown = dict(context)
    for key, label_of in labels.items():
        value = shown.get(key)
        label = _label(label_of, str(value)) if value not in (None, "") else None
        if label is not None:
            shown[key] = str(label)
    return shown


def render(event: str, context: Mapping[str, Any], *, language: str) -> Rendered:
    """The event's message in ``language`` (Simplified Chinese when there is no such file).

    ``context`` should have passed ``clean_context``; the codes of the event's ``labels=``
    keys show as their labels in ``language``. Plain text: nothing is HTML-escaped.
    """
    engine = engines["django"].engine  # type: ignore[attr-defined]
    try:
        template = engine.get_template(template_name(event, language))
    except TemplateDoesNotExist:
        language = Language.ZH_HANS
        template = engine.get_template(template_name(event, language))
    with translation.override(language):
        text = template.render(Context(_labelled(event, context), autoescape=False))
    subject, _newline, body = text.strip().partition("\n")
    return Rendered(subject=subject.strip()[:200], body=body.strip())


# --- The events of the kernel ---------------------------------------------------------------
# Domain apps register theirs in their AppConfig.ready(), with their templates beside these.

register_event(
    "account.welcome",
    channels=[Channel.SMS, Channel.EMAIL, Channel.WECHAT],
    optional=["name"],
    example={"name": "新市民1号"},
)


def _importer_label(kind: str) -> object | None:
    from nanhai_portal.jobs.importers import importer_class  # the importers' registry, filled by the apps

    importer = importer_class(kind)
    return importer.label if importer is not None else None


register_event(
    "jobs.import_finished",
    channels=[Channel.EMAIL],
    required=["job_id", "kind", "imported", "failed"],
    labels={"kind": _importer_label},  # the importer's kind (communities), shown as its label
    example={"job_id": "3f6c1e1e-8f0b-4c55-9a57-1f1a3f1c0d11", "kind": "communities", "imported": 1200, "failed": 3},
)
register_event(
    "broadcast.message",
    channels=[Channel.SMS, Channel.EMAIL, Channel.WECHAT],
    required=["text"],
    optional=["title"],
    broadcast=True,
    example={"title": "消防安全提示", "text": "请检查出租屋内的烟感报警器和灭火器。"},
)
