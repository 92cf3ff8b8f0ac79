"""Model fields for personal data: ciphertext in the row, plaintext only in Python.

    id_number = EncryptedField(kind="id_number", normalizer=validate_id_number)
    id_number_index = BlindIndexField(source="id_number")

The encrypted column cannot be searched (each encryption differs); look rows up by the
index: ``Model.objects.filter(id_number_index=lookup_index("id_number", value))``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core import checks
from django.db import models

from nanhai_portal.pii import crypto


class EncryptedField(models.TextField):
    """Stores a normalised value encrypted with the primary PII key."""

    def __init__(self, *args: Any, kind: str, normalizer: Callable[[str], str] | None = None, **kwargs: Any) -> None:
        self.kind = kind
        self.normalizer = normalizer
        super().__init__(*args, **kwargs)
        if normalizer is not None:
            # full_clean() reports a malformed value as a field error, before any encryption.
            self.validators.append(normalizer)  # type: ignore[arg-type]

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms

        return super().formfield(**{"form_class": forms.CharField, "widget": forms.TextInput, **kwargs})

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return None if value is None else crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return None
        if self.normalizer is not None:
            value = self.normalizer(value)
        return crypto.encrypt(value)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            return None  # ciphertext cannot be compared: use the blind index
        return super().get_lookup(lookup_name)


class BlindIndexField(models.CharField):
    """The keyed HMAC of another field's normalised value, kept up to date on save."""

    def __init__(self, *args: Any, source: str, **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key in ("max_length", "editable", "null", "blank"):
            kwargs.pop(key, None)
        return name, path, args, kwargs

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        source = next((f for f in self.model._meta.fields if f.name == self.source), None)
        if not isinstance(source, EncryptedField):
            errors.append(checks.Error(f"{self.name}: source {self.source!r} is not an EncryptedField.", obj=self))
        return errors

    def pre_save(self, model_instance: models.Model, add: bool) -> str | None:
        source: EncryptedField = model_instance._meta.get_field(self.source)  # type: ignore[assignment]
        value = getattr(model_instance, self.source)
        index = None
        if value not in (None, ""):
            normalized = source.normalizer(value) if source.normalizer else str(value)
            index = crypto.blind_index(source.kind, normalized)
        setattr(model_instance, self.attname, index)
        return index


def lookup_index(kind: str, value: str, normalizer: Callable[[str], str] | None = None) -> str:
    """The blind index to filter by, for a value typed by a person."""
    return crypto.blind_index(kind, normalizer(value) if normalizer else value)


def encrypted_fields(model: type[models.Model]) -> list[EncryptedField]:
    return [field for field in model._meta.concrete_fields if isinstance(field, EncryptedField)]
