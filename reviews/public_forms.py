"""Forms of the public pages (no login): the real-name objection (Art. 13 publicity) and the filters
of the approved construction list.

The real-name rules are `Objection.clean()` (run by the ModelForm); files are checked by their
content with `applications.uploads.inspect_upload`, never by their names.
"""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.provinces import Province
from applications.choices import Field
from applications.models import Application
from applications.uploads import ALLOWED_TYPES, inspect_upload
from kernel.forms import textarea

from .models import Objection
from .prepared import FILTERS, filter_approved

SEAL_TYPES = {"application/pdf", "image/png", "image/jpeg"}

PERSON_FIELDS = ("name", "id_number")
ORGANISATION_FIELDS = ("organisation_name", "credit_code", "legal_representative", "seal_scan")


class ApplicationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name_zh}（{obj.host.name}）"


class ObjectionForm(forms.ModelForm):
    """An objection to one application of `notice`. Which real-name fields are required depends on
    `objector_kind`; the model's `clean()` decides, whatever the browser showed."""

    application = ApplicationChoiceField(
        label=gettext_lazy("Application objected to"), queryset=Application.objects.none(),
        empty_label=gettext_lazy("Choose an application"),
    )
    declaration = forms.BooleanField(
        label=gettext_lazy("I declare that the information above is true and that I lodge this objection under my real name."),
        error_messages={"required": gettext_lazy("Please confirm the declaration.")},
    )

    class Meta:
        model = Objection
        fields = [
            "objector_kind", "name", "id_number", "organisation_name", "credit_code", "legal_representative", "seal_scan",
            "contact", "application", "grounds", "evidence",
        ]
        widgets = {
            "objector_kind": forms.RadioSelect,
            "grounds": textarea(6),
            "id_number": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "maxlength": 18,
                                                "spellcheck": "false"}),
            "credit_code": forms.TextInput(attrs={"autocomplete": "off", "maxlength": 18, "spellcheck": "false"}),
            "contact": forms.TextInput(attrs={"autocomplete": "tel"}),
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "organisation_name": forms.TextInput(attrs={"autocomplete": "organization"}),
            "seal_scan": forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"}),
        }
        labels = {
            "objector_kind": gettext_lazy("You object as"),
            "name": gettext_lazy("Full name"),
            "organisation_name": gettext_lazy("Name of the organisation"),
        }
        help_texts = {
            "id_number": gettext_lazy("The 18-character number on your resident identity card. With the receipt "
                                      "number, it lets you follow your objection."),
            "credit_code": gettext_lazy("The organisation's 18-character unified social credit code. With the receipt "
                                        "number, it lets you follow the objection."),
            "seal_scan": gettext_lazy("A scan of the objection bearing the organisation's seal: PDF, PNG or JPEG."),
            "contact": gettext_lazy("A phone number or e-mail address at which the ministries can reach you."),
            "grounds": gettext_lazy("State the facts and reasons of your objection to this application."),
            "evidence": gettext_lazy("Optional: PDF, image or office document, up to the upload size limit."),
        }

    def __init__(self, *args, notice, **kwargs):
        super().__init__(*args, **kwargs)
        self.notice = notice
        self.instance.notice = notice
        self.fields["application"].queryset = (
            notice.applications.public().select_related("host").order_by("name_zh", "pk")
        )
        self.fields["objector_kind"].choices = list(Objection.ObjectorKind.choices)

    def clean_id_number(self):
        return (self.cleaned_data.get("id_number") or "").strip().upper()

    def clean_credit_code(self):
        return (self.cleaned_data.get("credit_code") or "").strip().upper()

    @staticmethod
    def _checked(uploaded, allowed, refusal):
        """Check an uploaded file by its content; give it a name of our own (never the sender's)."""
        if not uploaded:
            return uploaded
        try:
            mime, _size, _digest = inspect_upload(uploaded)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict.get("file") or exc.messages) from exc
        if allowed is not None and mime not in allowed:
            raise ValidationError(refusal)
        uploaded.name = f"{uuid.uuid4().hex}.{ALLOWED_TYPES[mime]}"
        return uploaded

    def clean_seal_scan(self):
        return self._checked(
            self.cleaned_data.get("seal_scan"), SEAL_TYPES,
            _("The scan of the seal must be a PDF, PNG or JPEG file (checked by its content)."),
        )

    def clean_evidence(self):
        return self._checked(self.cleaned_data.get("evidence"), None, "")

    def _post_clean(self):
        # Details of the kind of objector not chosen are not kept (nor checked).
        kind = self.cleaned_data.get("objector_kind")
        unused = ORGANISATION_FIELDS if kind == Objection.ObjectorKind.PERSON else (
            PERSON_FIELDS if kind == Objection.ObjectorKind.ORGANISATION else ())
        for name in unused:
            self.cleaned_data[name] = None if name == "seal_scan" else ""
            self._errors.pop(name, None)
        super()._post_clean()


class ObjectionLookupForm(forms.Form):
    """The objector's look-up: the receipt number and the identity number given with the objection."""

    receipt_number = forms.CharField(
        label=gettext_lazy("Receipt number"), max_length=24,
        help_text=gettext_lazy("As shown when the objection was lodged, e.g. 2026-GS02-0007."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    identity = forms.CharField(
        label=gettext_lazy("ID card number or unified social credit code"), max_length=18,
        help_text=gettext_lazy("The number given with the objection: a person's ID card number, an organisation's "
                               "unified social credit code."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "maxlength": 18}),
    )


class ApprovedListFilter(forms.Form):
    """Filters of the approved construction list (批准建设名单); every field optional."""

    field = forms.ChoiceField(label=gettext_lazy("Field"), required=False,
                              choices=[("", gettext_lazy("All fields"))] + list(Field.choices))
    province = forms.ChoiceField(label=gettext_lazy("Province"), required=False,
                                 choices=[("", gettext_lazy("All provinces"))] + list(Province.choices))
    year = forms.TypedChoiceField(label=gettext_lazy("Year approved"), required=False, coerce=int, empty_value=None)
    call = forms.TypedChoiceField(label=gettext_lazy("Call"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, years=(), calls=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years"))] + [(y, str(y)) for y in years]
        self.fields["call"].choices = [("", _("All calls"))] + [(c.pk, str(c)) for c in calls]
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select")

    def filter(self, queryset):
        """`queryset` of approved applications narrowed by the valid filters (invalid ones are ignored)."""
        if not self.is_valid():
            return queryset
        return filter_approved(queryset, **{name: self.cleaned_data.get(name) for name in FILTERS})
