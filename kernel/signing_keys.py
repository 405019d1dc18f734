"""The keys and certificates of signed documents (`kernel.signing`): the system check of their configuration, and the
demo's own set (`manage.py make_signing_keys`, the tests' session fixture). Only `cryptography` here: the checks run
in every management command without loading pyHanko."""

import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core import checks

PORTAL_ISSUER = "portal"

DEMO_CA_NAME = "labportal demo CA"
PORTAL_NAME = "国家质量标准实验室管理平台"


def demo_issuers():
    """The issuers the demo signs for, by code, named as DOCUMENT_ISSUERS names them (not a joint issuer: its
    ministries sign); and the portal."""
    names = {code: config["name"] for code, config in settings.DOCUMENT_ISSUERS.items()}
    return {code: names.get(code, PORTAL_NAME) for code in settings.DOCUMENT_SIGNING_ISSUERS}


DEMO_VALIDITY = datetime.timedelta(days=3650)


def _load_cert(path):
    return x509.load_pem_x509_certificate(Path(path).read_bytes())


def _load_key(path):
    return serialization.load_pem_private_key(Path(path).read_bytes(), password=None)


def configuration_errors():
    """What is wrong with DOCUMENT_SIGNING / DOCUMENT_SIGNING_CA, as system-check errors (empty: all is well)."""
    errors = []
    ca_path = settings.DOCUMENT_SIGNING_CA
    if not ca_path or not Path(ca_path).is_file():
        return [checks.Error(f"DOCUMENT_SIGNING_CA ({ca_path or 'unset'}) is not a readable certificate file: issued "
                             "documents cannot be signed nor verified.", id="labportal.E131")]
    try:
        ca = _load_cert(ca_path)
    except ValueError:
        return [checks.Error(f"DOCUMENT_SIGNING_CA ({ca_path}) is not a PEM certificate.", id="labportal.E131")]
    if ca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[:1] == [
            x509.NameAttribute(NameOID.COMMON_NAME, DEMO_CA_NAME)]:
        errors.append(checks.Error(f"DOCUMENT_SIGNING_CA is the demo's ({DEMO_CA_NAME}): production signs with the "
                                   "ministries' real keys and certificates.", id="labportal.E136"))
    now = datetime.datetime.now(datetime.UTC)
    for issuer in settings.DOCUMENT_SIGNING_ISSUERS:
        entry = settings.DOCUMENT_SIGNING.get(issuer) or {}
        key_path, cert_path = entry.get("key"), entry.get("cert")
        missing = [str(p or f"{issuer} unset") for p in (key_path, cert_path) if not p or not Path(p).is_file()]
        if missing:
            errors.append(checks.Error(f"DOCUMENT_SIGNING[{issuer!r}]: {', '.join(missing)} not found.",
                                       id="labportal.E132"))
            continue
        try:
            key, cert = _load_key(key_path), _load_cert(cert_path)
        except (ValueError, TypeError) as exc:
            errors.append(checks.Error(f"DOCUMENT_SIGNING[{issuer!r}]: cannot read the key or certificate ({exc}); "
                                       "the key must be an unencrypted PEM file.", id="labportal.E133"))
            continue
        if key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) != \
                cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo):
            errors.append(checks.Error(f"DOCUMENT_SIGNING[{issuer!r}]: the key does not belong to the certificate.",
                                       id="labportal.E134"))
        elif cert.issuer != ca.subject:
            errors.append(checks.Error(f"DOCUMENT_SIGNING[{issuer!r}]: the certificate is not issued by "
                                       "DOCUMENT_SIGNING_CA.", id="labportal.E135"))
        elif not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            errors.append(checks.Error(f"DOCUMENT_SIGNING[{issuer!r}]: the certificate is valid from "
                                       f"{cert.not_valid_before_utc:%Y-%m-%d} to {cert.not_valid_after_utc:%Y-%m-%d} only.",
                                       id="labportal.E137"))
    return errors


def _name(common_name, organisation):
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _write(path, data, mode):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(mode)


def _pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def write_demo_keys(directory, *, ca_name=DEMO_CA_NAME, issuers=None, now=None):
    """A root CA named `ca_name` and a signing certificate per issuer (`demo_issuers()`), as PEM files in `directory`:
    ca.crt and ca.key, <issuer>.key and <issuer>.crt (keys readable by the owner only). Returns the settings that
    name them: {"DOCUMENT_SIGNING": {...}, "DOCUMENT_SIGNING_CA": path}."""
    directory = Path(directory)
    issuers = demo_issuers() if issuers is None else issuers
    now = now or datetime.datetime.now(datetime.UTC)
    start, end = now - datetime.timedelta(days=1), now + DEMO_VALIDITY
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_subject = _name(ca_name, ca_name)
    ca_cert = (
        x509.CertificateBuilder().subject_name(ca_subject).issuer_name(ca_subject).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write(directory / "ca.key", _pem_key(ca_key), 0o600)
    _write(directory / "ca.crt", ca_cert.public_bytes(serialization.Encoding.PEM), 0o644)
    configured = {}
    for issuer, common_name in issuers.items():
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder().subject_name(_name(common_name, ca_name)).issuer_name(ca_subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        _write(directory / f"{issuer}.key", _pem_key(key), 0o600)
        _write(directory / f"{issuer}.crt", cert.public_bytes(serialization.Encoding.PEM), 0o644)
        configured[issuer] = {"key": str(directory / f"{issuer}.key"), "cert": str(directory / f"{issuer}.crt")}
    return {"DOCUMENT_SIGNING": configured, "DOCUMENT_SIGNING_CA": str(directory / "ca.crt")}
