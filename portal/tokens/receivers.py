"""The two places token changes cannot be left to a service call, connected by ``PortalConfig.ready``.

- A password change or a deactivation must revoke the user's tokens on every path that saves a user (password
  forms, the admin, ``manage.py changepassword``, a shell's ``set_password`` + ``save``), so the check sits on the
  user model's save: ``pre_save`` reads the stored password and ``is_active``, ``post_save`` revokes in the same
  transaction. ``QuerySet.update()`` bypasses both; knox refuses inactive users' tokens anyway.
- A token the login endpoint creates through knox is named here ("API login", read-write).

Each receiver only decides and calls the service; the work and the audit record are in ``services``.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save, pre_save
from knox.models import AuthToken

from portal.models import User
from portal.tokens import services

# Set by pre_save on the instance being saved, read and cleared by post_save.
_PENDING = "_token_revocation_reason"


def remember_credentials(
    sender: type[User], instance: User, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return  # e.g. the last_login update of every sign-in: no query
    stored = sender._default_manager.filter(pk=instance.pk).values("password", "is_active").first()
    setattr(instance, _PENDING, services.credentials_change_reason(stored, instance, update_fields))


def revoke_after_credentials_change(sender: type[User], instance: User, **kwargs: Any) -> None:
    reason = getattr(instance, _PENDING, "")
    if reason:
        setattr(instance, _PENDING, "")
        services.tokens_revoke_for_credentials(user=instance, reason=reason)


def name_login_token(
    sender: type[AuthToken], instance: AuthToken, created: bool = False, raw: bool = False, **kwargs: Any
) -> None:
    if created and not raw and not services.is_creating_personal_token():
        services.token_register_login(auth_token=instance)


def connect() -> None:
    """Called once by ``PortalConfig.ready`` (the dispatch uids keep a second call harmless)."""
    pre_save.connect(remember_credentials, sender=User, dispatch_uid="portal.tokens.remember_credentials")
    post_save.connect(revoke_after_credentials_change, sender=User, dispatch_uid="portal.tokens.revoke")
    post_save.connect(name_login_token, sender=AuthToken, dispatch_uid="portal.tokens.name_login_token")
