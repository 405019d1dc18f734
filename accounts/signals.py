"""What a login, a logout and a password change do besides: the session's clocks start at the login, and every API
token of the user is revoked at logout and when the password changes (whichever way: the password change and reset
pages, the admin, `set_password`)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_save
from django.dispatch import receiver

from .api_tokens import revoke_all
from .middleware import start_session
from .models import User


@receiver(user_logged_in, dispatch_uid="accounts.session_clocks")
def _start_session_clocks(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        start_session(request)


@receiver(user_logged_out, dispatch_uid="accounts.revoke_tokens_at_logout")
def _revoke_tokens_at_logout(sender, request, user, **kwargs):
    if user is not None:
        revoke_all(user, "logout")


@receiver(post_save, sender=User, dispatch_uid="accounts.revoke_tokens_at_password_change")
def _revoke_tokens_at_password_change(sender, instance, created, **kwargs):
    # `AbstractBaseUser.set_password` keeps the new raw password in `_password` until the save has been signalled.
    if not created and getattr(instance, "_password", None) is not None:
        revoke_all(instance, "password changed")
