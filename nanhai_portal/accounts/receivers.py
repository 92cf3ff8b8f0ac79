"""A changed password revokes the account's API tokens, whichever way it was changed.

Why a ``post_save`` receiver and not a service: passwords change through paths this project
does not own (the admin's password form, ``manage.py changepassword``, Django's password
forms), and every one of them is ``set_password()`` then ``save()``. Django marks that
pair itself: ``set_password`` keeps the new raw password in ``_password`` until the save
that stores it (that is how ``AbstractBaseUser.save`` calls the validators'
``password_changed``). The receiver reads that mark, so it costs no query, and unlike
comparing hashes in ``pre_save`` it does not fire when a sign-in upgrades the hash of an
unchanged password. A raw ``QuerySet.update(password=...)`` bypasses it, as it bypasses
Django's own hooks; nothing here does that.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.tokens import tokens_revoke_all


@receiver(post_save, sender=User, dispatch_uid="accounts_password_changed_revokes_tokens")
def revoke_tokens_on_password_change(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    if not created and getattr(instance, "_password", None) is not None:
        tokens_revoke_all(user=instance)
