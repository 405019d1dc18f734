"""Audit records of the accounts (`kernel.audit`, GB/T 22239-2019 8.1.4.3): each login, failed login, lockout and
logout, with the client's address; each account created; each change of what an account may do (its role,
organisation, staff or superuser flag, whether it is active, its groups and permissions), by whoever is signed in
(the admin's user, or the system). A failed login stores the user name tried, never the password."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_init, post_save
from django.dispatch import receiver

from kernel.audit import current_user, record

from .api_tokens import revoke_all
from .models import User

WATCHED = ("role", "organisation_id", "is_active", "is_staff", "is_superuser")
_UNKNOWN = object()  # a deferred field: not loaded, so not compared
USERNAME_MAX = 150


@receiver(user_logged_in, dispatch_uid="audit_login")
def logged_in(sender, request, user, **kwargs):
    record("login", user, actor=user, request=request)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def logged_out(sender, request, user, **kwargs):
    record("logout", user, actor=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def login_failed(sender, credentials, request=None, **kwargs):
    """Only the user name tried is kept (Django has already masked the password; it is not read here); the account
    is the record's subject when the name is one."""
    username = str(credentials.get(User.USERNAME_FIELD) or "")[:USERNAME_MAX]
    account = User.objects.filter(username=username).first() if username else None
    record("login_failed", account, data={"username": username}, request=request)


@receiver(user_locked_out, dispatch_uid="audit_login_locked_out")
def locked_out(sender, request, username, ip_address, **kwargs):
    record("login_locked_out", data={"username": str(username or "")[:USERNAME_MAX]}, request=request)


def _watched(user):
    return {name: user.__dict__.get(name, _UNKNOWN) for name in WATCHED}


@receiver(post_init, sender=User, dispatch_uid="audit_remember_permissions")
def remember_permissions(sender, instance, **kwargs):
    instance._audit_permissions = _watched(instance)


@receiver(post_save, sender=User, dispatch_uid="audit_permissions_changed")
def permissions_changed(sender, instance, created, raw=False, **kwargs):
    now = _watched(instance)
    before, instance._audit_permissions = getattr(instance, "_audit_permissions", {}), now
    if raw:
        return
    if created:
        record("create_account", instance, actor=current_user(), data={"set": now})
        return
    changes = {name: [before[name], value] for name, value in now.items()
               if value is not _UNKNOWN and before.get(name, _UNKNOWN) is not _UNKNOWN and before[name] != value}
    if changes:
        record("change_permissions", instance, actor=current_user(), data={"changes": changes})
        # A token issued under the old rights must not carry the new ones: its owner may now need a second factor.
        revoke_all(instance, "rights changed")


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="audit_groups_changed")
@receiver(m2m_changed, sender=User.user_permissions.through, dispatch_uid="audit_user_permissions_changed")
def grants_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    what = "groups" if sender is User.groups.through else "permissions"
    if action == "pre_clear":  # the cleared rows are known only before they go
        action = "post_remove"
        pk_set = set(getattr(instance, "groups" if what == "groups" else "user_permissions").values_list("pk", flat=True)) \
            if not reverse else set(instance.user_set.values_list("pk", flat=True))
    change = {"added" if action == "post_add" else "removed": sorted(pk_set or ())}
    if not reverse:
        record("change_permissions", instance, actor=current_user(), data={what: change})
        revoke_all(instance, "rights changed")
    else:  # a group or permission given to or taken from users
        for pk in sorted(pk_set or ()):
            record("change_permissions", User(pk=pk), actor=current_user(),
                   data={what: {key: [instance.pk] for key in change}})
            revoke_all(User(pk=pk), "rights changed")
