"""Signed documents (PAdES, pyHanko): issued documents are signed with their issuing authority's key, and anyone can
check a PDF they were given.

- `sign_pdf(data, issuer=..., reason=...)`: a PAdES baseline B-B signature (no timestamp: B-T needs a time-stamping
  authority) with the key and certificate that `settings.DOCUMENT_SIGNING[issuer]` names (an issuer without its own,
  such as a recommender, is signed by the portal's, `"portal"`), its chain up to `DOCUMENT_SIGNING_CA` embedded. A
  joint document of SAMR and MIIT carries two: each ministry signs with its own key, in the order its issuer's
  `signed_by` gives, the second signature added to the file the first signed.
- `verify_pdf(data)`: first, is this exactly the file of a document the portal issued (its SHA-256 is a stored
  `Document`'s)? Then each embedded signature, validated by pyHanko against `DOCUMENT_SIGNING_CA` alone (nothing
  fetched): intact (the signed bytes unchanged), valid (the signature verifies), trusted (chained to the portal's
  root), who signed and when they said they did. The answer (`VerificationResult`) is one of `Verdict`, in words.
The keys and certificates are configuration (`settings.DOCUMENT_SIGNING`, checked by `kernel.signing_keys`, which also
writes the demo's). Real ones come from the ministries' CA: see README "Signed documents".

Keys are read when a document is signed, never at import time."""

import asyncio
import datetime
import hashlib
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathError
from pyhanko_certvalidator.errors import ValidationError as CertificateInvalid

from . import signing_keys
from .formatting import format_date, format_list
from .models import Document

log = logging.getLogger(__name__)

# The issuer whose key signs for an issuer without one of its own (a recommender's letter): the portal itself.
PORTAL_ISSUER = signing_keys.PORTAL_ISSUER
# Where a PDF must begin: "%PDF-" within its first 1,024 bytes (ISO 32000-2, 7.5.2, as readers accept it).
PDF_HEADER = b"%PDF-"
PDF_HEADER_WINDOW = 1024


class SigningNotConfigured(Exception):
    """No key and certificate for this issuer (nor the portal's)."""


def looks_like_pdf(head):
    """True when these first bytes of a file are a PDF's (its header within the first 1,024 bytes)."""
    return PDF_HEADER in head[:PDF_HEADER_WINDOW]


def read_upload(uploaded):
    """The bytes of a file sent to be verified; ValidationError when it is empty, larger than UPLOAD_MAX_BYTES (a
    file past it arrives empty with its real size: `kernel.request_limits`) or not a PDF by its content."""
    if not uploaded.size:
        raise ValidationError(_("The file is empty."), code="empty")
    if uploaded.size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(_("The file is %(size)s; the limit is %(limit)s.") % {
            "size": filesizeformat(uploaded.size), "limit": filesizeformat(settings.UPLOAD_MAX_BYTES)}, code="too_large")
    uploaded.seek(0)
    data = uploaded.read()
    if not looks_like_pdf(data):
        raise ValidationError(_("This file is not a PDF (whatever its name says): only a PDF document can be "
                                "checked."), code="not_pdf")
    return data


# --- signing ---------------------------------------------------------------------------------------------------------

def signing_entry(issuer):
    """The `{"key": path, "cert": path}` of `issuer`, or the portal's for an issuer without its own."""
    configured = settings.DOCUMENT_SIGNING
    entry = configured.get(issuer) or configured.get(PORTAL_ISSUER)
    if not entry:
        raise SigningNotConfigured(f"DOCUMENT_SIGNING has no key for {issuer!r} nor {PORTAL_ISSUER!r}.")
    return entry


def _signer(issuer):
    entry = signing_entry(issuer)
    for path in (entry["key"], entry["cert"], settings.DOCUMENT_SIGNING_CA):
        if not Path(path).is_file():
            raise SigningNotConfigured(f"{path} does not exist (run `manage.py make_signing_keys` for the demo).")
    return signers.SimpleSigner.load(
        key_file=str(entry["key"]), cert_file=str(entry["cert"]), ca_chain_files=(str(settings.DOCUMENT_SIGNING_CA),),
    )


def signers_of(issuer):
    """Whose keys sign `issuer`'s documents: the ministries of a joint document (`DOCUMENT_ISSUERS[...]["signed_by"]`),
    else the issuer itself."""
    return tuple(settings.DOCUMENT_ISSUERS.get(issuer, {}).get("signed_by") or (issuer,))


def sign_pdf(data: bytes, *, issuer: str, reason: str) -> bytes:
    """`data` signed (PAdES B-B, SHA-256) by the key of each of `issuer`'s signers in turn: the last signature covers
    the whole file it returns, an earlier one everything but the signatures added after it."""
    for number, signer in enumerate(signers_of(issuer), start=1):
        meta = signers.PdfSignatureMetadata(
            field_name=f"Signature{number}",
            reason=reason,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
        )
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        data = signers.sign_pdf(writer, meta, signer=_signer(signer)).getvalue()
    return data


# --- verification ----------------------------------------------------------------------------------------------------

class Verdict:
    GENUINE = "genuine"  # exactly the file of a document the portal issued
    ALTERED = "altered"  # signed by the portal, but changed since
    SIGNATURE_INVALID = "signature_invalid"  # the portal's signature does not verify
    NOT_ISSUED = "not_issued"  # no signature of the portal, and not a file it stored
    UNREADABLE = "unreadable"  # begins like a PDF, but its structure cannot be read

    CHOICES = (GENUINE, ALTERED, SIGNATURE_INVALID, NOT_ISSUED, UNREADABLE)


_HEADLINES = {
    Verdict.GENUINE: gettext_lazy("Genuine: an unaltered document issued by the portal"),
    Verdict.ALTERED: gettext_lazy("Altered: this file was changed after the portal signed it"),
    Verdict.SIGNATURE_INVALID: gettext_lazy("Signature invalid: the portal's signature on this file does not verify"),
    Verdict.NOT_ISSUED: gettext_lazy("Not issued by the portal"),
    Verdict.UNREADABLE: gettext_lazy("Not readable: this file is damaged or altered"),
}


@dataclass(frozen=True)
class SignatureCheck:
    """One embedded signature as pyHanko judged it."""

    signer: str
    signed_at: datetime.datetime | None
    intact: bool  # the bytes it covers are unchanged
    valid: bool  # the signature verifies with the signer's public key
    trusted: bool  # the signer's certificate chains to the portal's root (DOCUMENT_SIGNING_CA)
    covers_whole_file: bool  # nothing was added after it but later signatures
    reason: str = ""

    @property
    def ok(self):
        return self.intact and self.valid and self.trusted and self.covers_whole_file


@dataclass(frozen=True)
class VerificationResult:
    verdict: str
    sha256: str
    document: Document | None = None
    signatures: tuple[SignatureCheck, ...] = field(default=())

    @property
    def genuine(self):
        return self.verdict == Verdict.GENUINE

    @property
    def headline(self):
        return str(_HEADLINES[self.verdict])

    @property
    def explanation(self):
        """What the verdict means for the reader, in a sentence or two."""
        if self.verdict == Verdict.GENUINE:
            document = self.document
            return _("This file is exactly document %(number)s, “%(title)s”, issued by %(issuer)s on %(date)s, as the "
                     "portal stored it when it was issued.") % {
                "number": document.number, "title": document.title, "issuer": document.issuer_name,
                "date": format_date(document.issued_on)}
        if self.verdict == Verdict.ALTERED:
            return _("It carries the signature of %(signer)s, but its content differs from what was signed, or "
                     "something was added to it afterwards. Do not rely on it: ask the issuing authority for the "
                     "original.") % {"signer": self._portal_signers()}
        if self.verdict == Verdict.SIGNATURE_INVALID:
            return _("It names %(signer)s as its signer, but the signature does not verify with that certificate. Do "
                     "not rely on it: ask the issuing authority for the original.") % {"signer": self._portal_signers()}
        if self.verdict == Verdict.UNREADABLE:
            return _("The file begins like a PDF, but its structure cannot be read. It is not a document the portal "
                     "issued as it stands.")
        if self.signatures:
            return _("It is not a file the portal issued, and none of its signatures is from a certificate the portal "
                     "issues documents with (signed by: %(signers)s).") % {
                "signers": _list(check.signer for check in self.signatures)}
        return _("It is not a file the portal issued, and it carries no signature. A document issued through the "
                 "portal is signed by its issuing authority and kept, byte for byte, by the portal.")

    def _portal_signers(self):
        return _list(check.signer for check in self.signatures if check.trusted) or _list(
            check.signer for check in self.signatures)


def _list(items):
    return format_list(dict.fromkeys(items))


def trust_root():
    """The portal's root certificate (asn1crypto), from DOCUMENT_SIGNING_CA."""
    data = Path(settings.DOCUMENT_SIGNING_CA).read_bytes()
    return asn1_x509.Certificate.load(x509.load_pem_x509_certificate(data).public_bytes(serialization.Encoding.DER))


def issued_document(digest):
    """The issued (numbered) document whose stored file has this SHA-256, if any."""
    return (Document.objects.filter(sha256=digest, state=Document.State.READY).exclude(number="")
            .order_by("pk").first())


def _signer_name(cert):
    subject = cert.subject.native
    return subject.get("common_name") or subject.get("organization_name") or cert.subject.human_friendly


async def _chains_to_root(embedded, root):
    """Whether the signer's certificate chains to the portal's root, judged apart from the document (pyHanko does not
    look at the chain of a signature whose bytes no longer match)."""
    context = ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode="soft-fail")
    validator = CertificateValidator(embedded.signer_cert, intermediate_certs=embedded.other_embedded_certs,
                                     validation_context=context)
    try:
        await validator.async_validate_usage(set())
    except (PathError, CertificateInvalid):
        return False
    return True


async def _check_signatures(reader, root):
    found = []
    for embedded in reader.embedded_signatures:
        context = ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode="soft-fail")
        status = await async_validate_pdf_signature(embedded, signer_validation_context=context)
        signed_at = status.signer_reported_dt
        found.append(SignatureCheck(
            signer=_signer_name(status.signing_cert),
            signed_at=timezone.localtime(signed_at) if signed_at else None,
            intact=bool(status.intact),
            valid=bool(status.valid),
            trusted=await _chains_to_root(embedded, root),
            covers_whole_file=_nothing_added_but_signatures(status),
            reason=str(embedded.sig_object.get("/Reason", "")),
        ))
    return tuple(found)


def _nothing_added_but_signatures(status):
    """The signature covers the file, or what was added after it (pyHanko's difference analysis) is no more than
    filling in signature fields: the second ministry's signature on a joint document."""
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return True
    return (status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and status.modification_level is not None
            and status.modification_level <= ModificationLevel.FORM_FILLING)


def signatures_of(data):
    """Each embedded signature of the PDF `data`, validated against the portal's root; ValueError when the PDF's
    structure cannot be read."""
    root = trust_root()
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        return asyncio.run(_check_signatures(reader, root))
    except Exception as exc:  # a damaged or hostile file: pyHanko raises many kinds
        log.info("verify_pdf: unreadable PDF (%s: %s)", type(exc).__name__, exc)
        raise ValueError("unreadable PDF") from exc


def verify_pdf(data: bytes) -> VerificationResult:
    """Whether `data` is an unaltered document issued by the portal, and what its signatures say."""
    digest = hashlib.sha256(data).hexdigest()
    document = issued_document(digest)
    try:
        signatures = signatures_of(data)
    except ValueError:
        if document is not None:  # the stored file itself: pyHanko's reading it or not changes nothing
            return VerificationResult(Verdict.GENUINE, digest, document)
        return VerificationResult(Verdict.UNREADABLE, digest)
    if document is not None:
        return VerificationResult(Verdict.GENUINE, digest, document, signatures)
    portal = [check for check in signatures if check.trusted]
    if not portal:
        return VerificationResult(Verdict.NOT_ISSUED, digest, None, signatures)
    if not all(check.intact for check in portal):
        return VerificationResult(Verdict.ALTERED, digest, None, signatures)
    if not all(check.valid for check in portal):
        return VerificationResult(Verdict.SIGNATURE_INVALID, digest, None, signatures)
    # Signed by the portal and intact, yet not a stored file: something was added after the signature, or bytes the
    # signature leaves out (its own padding) were changed.
    return VerificationResult(Verdict.ALTERED, digest, None, signatures)
