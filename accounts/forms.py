"""Forms of the accounts pages: the user's own profile, and the login form."""

from captcha.fields import CaptchaField
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from kernel.validators import no_control_characters

from .login_guard import needs_captcha
from .models import User

PROFILE_FIELDS = ["full_name", "phone", "email", "notification_preference"]


class ProfileForm(forms.Form):
    """What a user may change about themselves; role and organisation are set by an administrator.

    A plain form over four model fields (not a ModelForm): `User.clean()` checks role against
    organisation, which this form neither shows nor changes, so it must not block a profile edit.
    """

    def __init__(self, *args, instance, **kwargs):
        self.instance = instance
        kwargs.setdefault("initial", {name: getattr(instance, name) for name in PROFILE_FIELDS})
        super().__init__(*args, **kwargs)
        self.fields.update(
            fields_for_model(
                User,
                fields=PROFILE_FIELDS,
                widgets={"notification_preference": forms.RadioSelect},
                help_texts={"email": _("Notifications and password reset links are sent to this address.")},
            )
        )
        self.fields["full_name"].required = True
        self.fields["email"].required = True
        self.fields["notification_preference"].choices = User._meta.get_field("notification_preference").choices

    def clean_full_name(self):
        value = self.cleaned_data["full_name"].strip()
        if not value:
            raise forms.ValidationError(_("Please give your full name."))
        return value

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        allowed = set("0123456789+-() ")
        if value and (not set(value) <= allowed or sum(c.isdigit() for c in value) < 5):
            raise forms.ValidationError(_("Enter a phone number using digits, spaces, “+”, “-” and brackets only."))
        return value

    def save(self):
        for name in PROFILE_FIELDS:
            setattr(self.instance, name, self.cleaned_data[name])
        self.instance.save(update_fields=PROFILE_FIELDS)
        return self.instance


class LoginForm(AuthenticationForm):
    """Django's login form, plus a captcha once `login_guard.needs_captcha` says so. A wrong captcha is refused
    before the password is tried, so that the answer tells a guesser nothing about the password."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = (self.data.get("username") or "").strip() if self.is_bound else ""
        if request is not None and needs_captcha(request, username):
            self.fields["captcha"] = CaptchaField(
                label=_("Characters in the picture"),
                help_text=_("After several failed attempts the portal asks this too; the account is not locked."))

    def clean(self):
        if "captcha" in self.fields and "captcha" in self.errors:
            return self.cleaned_data
        return super().clean()


class SecondFactorCodeForm(forms.Form):
    """A code of the second factor: the authenticator's 6 digits or, at the verify page, a recovery code."""

    code = forms.CharField(
        label=_("Code"), max_length=20, strip=True,
        help_text=_("The 6-digit code your authenticator app shows now, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false",
                                      "autocapitalize": "off"}),
    )


class EnrolCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"), max_length=10, strip=True,
        help_text=_("The 6 digits the app shows for this portal, to confirm it is set up."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the token"), max_length=100, validators=[no_control_characters],
        help_text=_("What uses it, such as a script or a computer. A new token of the same name replaces the old one."),
    )
