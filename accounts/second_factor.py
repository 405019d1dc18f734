"""The second factor (GB/T 22239-2019 8.1.4.1 c, ASVS 2.7, 2.8): a TOTP authenticator app, with ten single-use
recovery codes, for the users `accounts.rules.needs_second_factor` names (django-otp's TOTP and static devices).

After the password, such a user confirms a code (`/accounts/two-factor/verify/`) or, without a confirmed device,
enrols one (`/accounts/two-factor/enrol/`: a QR code and the secret as text, confirmed by a first code, then the
recovery codes, shown once). Until then `accounts.middleware.SecondFactorMiddleware` sends every page there and the
API treats the session as anonymous (`accounts.api_tokens.VerifiedSessionAuthentication`). Wrong codes are throttled
on the device (django-otp: each wait twice the last) and reported to django-axes as failed logins."""

import re
import time
from base64 import b32decode, b32encode

import segno
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY, verify_token
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .rules import needs_second_factor

DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery codes"
# The seeded demo's privileged accounts share this secret (README, `seed_demo`): add it to an authenticator app, or
# read the code the dev settings show on the verify page. Never a real account's.
DEMO_TOTP_SECRET = "LABPORTALDEMOTOTPSECRETKEY234567"
TOTP_CODE = re.compile(r"^\d{6}$")


def is_verified(user):
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def must_verify(user):
    """A user whose role needs a second factor and whose session has not confirmed it yet."""
    return needs_second_factor(user) and not is_verified(user)


def confirmed_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_device(user):
    """The authenticator being enrolled: the same secret however often the page is opened, until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def secret_text(device):
    """The secret as an authenticator app takes it typed in: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_svg(device):
    """The otpauth:// address as an inline SVG QR code (nothing fetched from elsewhere)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=4, border=2, title=_("QR code for the authenticator app"), svgclass="portal-qr")


def normalised(code):
    return re.sub(r"[\s-]", "", code or "").lower()


def throttled(user):
    """Whether wrong codes have made the user's devices wait, and until when (None if they need not)."""
    for device in [*TOTPDevice.objects.filter(user=user), *StaticDevice.objects.filter(user=user)]:
        allowed, data = device.verify_is_allowed()
        if not allowed:
            return (data or {}).get("locked_until") or True
    return None


def check_code(user, code):
    """The confirmed device that accepts `code` (a 6-digit TOTP code or a recovery code, which is then used up),
    or None. Each try counts on the device's throttle."""
    code = normalised(code)
    if not code:
        return None
    model = TOTPDevice if TOTP_CODE.match(code) else StaticDevice
    for device in model.objects.filter(user=user, confirmed=True).order_by("pk"):
        verified = verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified
    return None


def mark_verified(request, device):
    """This session has confirmed the second factor with `device` (a new session key: the privilege changed)."""
    request.session.cycle_key()
    otp_login(request, device)


def confirm_enrolment(request, code):
    """The first code of the authenticator being enrolled: when right, it is the user's device, the session is
    verified and the new recovery codes are returned (to be shown once); otherwise None."""
    user = request.user
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        if device is None or not device.verify_token(normalised(code)):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        codes = new_recovery_codes(user)
    mark_verified(request, device)
    return codes


def new_recovery_codes(user):
    """Ten (`OTP_RECOVERY_CODES`) new single-use recovery codes, replacing any left; returned to be shown once."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
        codes = []
        while len(codes) < settings.OTP_RECOVERY_CODES:
            code = StaticToken.random_token()
            if code not in codes:
                codes.append(code)
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def reset(request):
    """Forget the user's authenticator and recovery codes; the session is no longer verified (re-enrol next)."""
    user = request.user
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    user.otp_device = None


def demo_key():
    return b32decode(DEMO_TOTP_SECRET).hex()


def give_demo_device(user):
    """The seeded demo's authenticator for `user` (the documented demo secret), unless they have one."""
    device = confirmed_device(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True, key=demo_key())
    return device


def demo_code(user):
    """The current code of a seeded demo account, to show on its verify page: only when the settings allow it
    (`OTP_DEMO_HINT`, on in the dev settings alone) under DEBUG, and only for a device holding the demo secret."""
    if not (settings.DEBUG and getattr(settings, "OTP_DEMO_HINT", False)):
        return ""
    device = confirmed_device(user)
    if device is None or device.key != demo_key():
        return ""
    return current_code(device)


def current_code(device):
    """The code an authenticator app holding `device`'s secret accepts now (the next step's if this step's code was
    already used: a code is accepted once)."""
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    generator.time = time.time()
    if generator.t() <= device.last_t:
        generator.time += (device.last_t + 1 - generator.t()) * device.step
    return f"{generator.token():0{device.digits}d}"
