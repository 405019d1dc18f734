"""`/verify/` (`verify:document`), no login: anyone uploads a PDF and reads whether it is an unaltered document the
portal issued (`kernel.signing.verify_pdf`). Checks from one address are throttled, with the API's
(`/api/public/verify/`) on the same counter."""

from django import forms
from django.conf import settings
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from . import signing, throttle


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=_("The PDF you were given"),
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("A PDF of at most %(limit)s. It is read to answer you, and not kept.") % {
            "limit": filesizeformat(settings.UPLOAD_MAX_BYTES)}
        self.pdf = None

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        self.pdf = signing.read_upload(uploaded)
        return uploaded


@require_http_methods(["GET", "POST"])
def document(request):
    result = None
    if request.method == "POST":
        if not throttle.allow_verification(request):
            response = render(request, "verify/throttled.html", {
                "limit": settings.VERIFICATIONS_PER_HOUR_PER_ADDRESS}, status=429)
            response["Retry-After"] = str(throttle.retry_after(throttle.VERIFICATION_WINDOW_SECONDS))
            return response
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            result = signing.verify_pdf(form.pdf)
    else:
        form = VerifyForm()
    return render(request, "verify/document.html", {
        "form": form,
        "result": result,
        "limit": settings.VERIFICATIONS_PER_HOUR_PER_ADDRESS,
    })
