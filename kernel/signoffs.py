"""Dual sign-off: a decision of "SAMR and MIIT" takes effect only when each ministry has signed."""

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from .audit import record
from .models import SignOff
from .rules import RuleViolation


def ministry_of(user):
    org = getattr(user, "organisation", None)
    return org.kind if org is not None and org.kind in SignOff.Ministry.values else None


def signoffs(subject, decision):
    return SignOff.objects.filter(
        content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk, decision=decision
    )


def has_signed(subject, decision, user):
    ministry = ministry_of(user)
    return ministry is not None and signoffs(subject, decision).filter(ministry=ministry).exists()


def sign(subject, decision, user, comment="", article="Art. 7"):
    """Record `user`'s ministry's sign-off; return True when both ministries have now signed."""
    ministry = ministry_of(user)
    if ministry is None:
        raise RuleViolation(_("Only SAMR or MIIT staff can sign off this decision."), article=article)
    if signoffs(subject, decision).filter(ministry=ministry).exists():
        raise RuleViolation(_("Your ministry has already signed off; the other ministry must sign."), article=article)
    SignOff.objects.create(
        content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk, decision=decision,
        ministry=ministry, signed_by=user, comment=comment,
    )
    record("sign_off", subject, actor=user, comment=comment, article=article,
           data={"decision": decision, "ministry": ministry})
    return both_signed(subject, decision)


def both_signed(subject, decision):
    return set(signoffs(subject, decision).values_list("ministry", flat=True)) == set(SignOff.Ministry.values)


def lapse(subject, decision, by, reason, article="Art. 7"):
    """The text of a joint decision changed after a ministry signed it: that signature was given to another text, so
    every signature given so far lapses (the audit keeps them, and this record says why); return the ministries whose
    signature lapsed."""
    given = signoffs(subject, decision)
    ministries = sorted(given.values_list("ministry", flat=True))
    if ministries:
        given.delete()
        record("sign_offs_lapsed", subject, actor=by, comment=reason, article=article,
               data={"decision": decision, "ministries": ministries})
    return ministries
