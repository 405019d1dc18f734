"""Account pages: the profile (with the second factor and the API tokens), and the second factor's verify and
enrolment pages. Login, logout, password change and reset are Django's own views."""

import math

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from kernel.web import safe_next

from . import api_tokens, second_factor
from .forms import ApiTokenForm, EnrolCodeForm, ProfileForm, SecondFactorCodeForm
from .rules import needs_second_factor


def _profile_context(request, **extra):
    user = request.user
    context = {"tokens": list(api_tokens.owned_by(user)), "token_form": ApiTokenForm(),
               "token_lifetime_hours": settings.API_TOKEN_LIFETIME_HOURS, "now": timezone.now(),
               "token_lifetime_days": (settings.API_TOKEN_LIFETIME_HOURS // 24
                                       if settings.API_TOKEN_LIFETIME_HOURS % 24 == 0 else 0)}
    if needs_second_factor(user):
        device = second_factor.confirmed_device(user)
        context.update(second_factor=device, recovery_codes_left=second_factor.recovery_codes_left(user),
                       reset_form=_reset_form())
    return {**context, **extra}


def _reset_form(data=None):
    """The code that confirms a reset of the authenticator, on the profile page (not the page's first field)."""
    form = SecondFactorCodeForm(data, auto_id="reset_%s")
    form.fields["code"].widget.attrs.pop("autofocus", None)
    return form


@login_required
def profile(request):
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=request.user)
        if form.is_valid():
            with transaction.atomic():
                form.save()
            messages.success(request, _("Your profile was saved."))
            return redirect("profile")
    else:
        form = ProfileForm(instance=request.user)
    return render(request, "registration/profile.html", _profile_context(request, form=form))


# --- the second factor -----------------------------------------------------------------------------------------


def _failed_code(request, user):
    """A wrong code counts like a failed login (django-axes): enough of them pause this name and address, and the
    half-finished login ends."""
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
    if getattr(request, "axes_locked_out", False):
        logout(request)
        return True
    return False


def _locked_out(request, user):
    credentials = {"username": user.get_username()}
    if settings.AXES_ENABLED and AxesProxyHandler.is_locked(request, credentials):
        logout(request)
        return get_lockout_response(request, None, credentials)
    return None


def _wait_text(user):
    until = second_factor.throttled(user)
    if until is None:
        return ""
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds())) if hasattr(until, "tzinfo") else 1
    return _("Too many wrong codes: wait %(seconds)s seconds, then try again.") % {"seconds": seconds}


@login_required
@never_cache
def two_factor_verify(request):
    """After the password: the authenticator's code, or a recovery code (used up)."""
    user = request.user
    done = safe_next(request, reverse(settings.LOGIN_REDIRECT_URL))
    if not second_factor.must_verify(user):
        return redirect(done)
    if second_factor.confirmed_device(user) is None:
        return redirect(f"{reverse('two_factor_enrol')}?{request.GET.urlencode()}")
    form = SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if locked := _locked_out(request, user):
            return locked
        if wait := _wait_text(user):
            form.add_error("code", wait)
        elif device := second_factor.check_code(user, form.cleaned_data["code"]):
            second_factor.mark_verified(request, device)
            if isinstance(device, StaticDevice):
                messages.warning(request, _("You used a recovery code: %(count)s are left. Generate new ones on your "
                                            "profile page when few are left.")
                                 % {"count": second_factor.recovery_codes_left(user)})
            return redirect(done)
        else:
            if _failed_code(request, user):
                return redirect("login")
            form.add_error("code", _("This code is not right. Check that your phone's clock is correct and try again."))
    return render(request, "registration/two_factor_verify.html", {
        "form": form, "next": request.POST.get("next") or request.GET.get("next", ""),
        "demo_code": second_factor.demo_code(user),
    })


@login_required
@never_cache
def two_factor_enrol(request):
    """A user who needs a second factor and has none: the QR code and the secret, confirmed by a first code; then
    the recovery codes, shown once."""
    user = request.user
    done = safe_next(request, reverse(settings.LOGIN_REDIRECT_URL))
    if not needs_second_factor(user) or second_factor.confirmed_device(user) is not None:
        return redirect(done if second_factor.is_verified(user) or not needs_second_factor(user)
                        else f"{reverse('two_factor_verify')}?{request.GET.urlencode()}")
    device = second_factor.pending_device(user)
    form = EnrolCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if locked := _locked_out(request, user):
            return locked
        if wait := _wait_text(user):
            form.add_error("code", wait)
        elif codes := second_factor.confirm_enrolment(request, form.cleaned_data["code"]):
            messages.success(request, _("Your authenticator app is set up."))
            return render(request, "registration/recovery_codes.html", {"codes": codes, "next": done})
        else:
            if _failed_code(request, user):
                return redirect("login")
            form.add_error("code", _("This code is not right. Check that your phone's clock is correct and try again."))
    return render(request, "registration/two_factor_enrol.html", {
        "form": form, "qr_svg": second_factor.qr_svg(device), "secret": second_factor.secret_text(device),
        "issuer": settings.OTP_TOTP_ISSUER, "next": request.POST.get("next") or request.GET.get("next", ""),
    })


@require_POST
@login_required
@never_cache
def recovery_codes_renew(request):
    if not needs_second_factor(request.user):
        return redirect("profile")
    codes = second_factor.new_recovery_codes(request.user)
    messages.success(request, _("New recovery codes were made; the old ones no longer work."))
    return render(request, "registration/recovery_codes.html", {"codes": codes, "next": reverse("profile")})


@require_POST
@login_required
def two_factor_reset(request):
    """Start again with a new authenticator (a lost or replaced phone): confirmed by a current code or a recovery
    code, then the enrolment page."""
    user = request.user
    form = _reset_form(request.POST)
    if not needs_second_factor(user):
        return redirect("profile")
    wait = _wait_text(user)
    if form.is_valid() and not wait:
        if second_factor.check_code(user, form.cleaned_data["code"]):
            second_factor.reset(request)
            messages.info(request, _("Your authenticator was removed. Set up the new one now."))
            return redirect(f"{reverse('two_factor_enrol')}?next={reverse('profile')}")
        if _failed_code(request, user):
            return redirect("login")
    messages.error(request, wait or _("The authenticator was kept: the code was not right."))
    return redirect(f"{reverse('profile')}#second-factor")


# --- API tokens --------------------------------------------------------------------------------------------------


@require_POST
@login_required
@never_cache
def api_token_create(request):
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return render(request, "registration/profile.html",
                      _profile_context(request, form=ProfileForm(instance=request.user), token_form=form))
    token, raw = api_tokens.issue(request.user, form.cleaned_data["name"])
    return render(request, "registration/api_token_created.html", {"token": token, "raw": raw})


@require_POST
@login_required
def api_token_revoke(request, pk):
    token = get_object_or_404(api_tokens.owned_by(request.user), pk=pk)
    api_tokens.revoke(token)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect(f"{reverse('profile')}#api-tokens")
