"""Personal information kept encrypted in its column (PIPL Art. 51; GB/T 35273): `EncryptedTextField` and,
beside it, `BlindIndexField`, the keyed digest that lets a row be found by the number without storing it.

    id_number = EncryptedTextField(_("ID card number"), max_length=18, blank=True)
    id_number_index = BlindIndexField(source="id_number")
    ...
    Model.objects.filter(id_number_index__in=Model._meta.get_field("id_number_index").candidates(number))

A stored value reads `pii1:<cipher>:<key id>:<base64url(nonce | ciphertext | tag)>`:
- the cipher is `sm4` (SM4-GCM, GB/T 32907, the default) or `aes` (AES-256-GCM), as `settings.PII_CIPHER` was
  when the value was written, so switching the setting leaves every older row readable;
- the key id names the key it was written with: values are written with `settings.PII_ENCRYPTION_KEY` and read
  with it or any of `settings.PII_ENCRYPTION_OLD_KEYS` (`manage.py rotate_pii_key` rewrites old rows);
- a random 96-bit nonce per value; the associated data is the table and column, so a value copied to another
  column does not decrypt.
The cipher keys and the blind-index keys are derived from the configured secret (HKDF with SM3 for SM4 and
HMAC-SM3, with SHA-256 for AES and HMAC-SHA-256). Without `PII_ENCRYPTION_KEY` (development, tests) the secret
is derived from SECRET_KEY; production requires it (`labportal/settings/production.py`, `check_settings`).

The value in Python is the plain text; show it with `|masked` (`kernel.formatting.mask_identifier`). The field
has no look-up but `isnull` (a random nonce makes equal numbers differ): look rows up by the blind index.
"""

import base64
import hashlib
import os
import re
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django import forms
from django.conf import settings
from django.core import checks
from django.db import models

VERSION = "pii1"
CIPHERS = ("sm4", "aes")
KEY_LENGTHS = {"sm4": 16, "aes": 32}
NONCE_BYTES = 12
TAG_BYTES = 16
MIN_SECRET_LENGTH = 32
# The blind index follows the cipher's family: HMAC-SM3 with SM4, HMAC-SHA-256 with AES.
INDEX_HASHES = {"sm4": hashes.SM3, "aes": hashes.SHA256}


class DecryptionError(ValueError):
    """A stored value that no configured key opens: written with a key no longer configured, or altered."""


# --- keys ----------------------------------------------------------------------------------------------


def _current_secret():
    configured = getattr(settings, "PII_ENCRYPTION_KEY", "")
    if configured:
        return configured
    # Development and tests only (production requires the setting): a secret of its own, derived from SECRET_KEY.
    return "labportal-development-pii-key:" + hashlib.sha256(settings.SECRET_KEY.encode()).hexdigest()


def _secrets():
    """The current secret first, then the old ones still configured for reading."""
    return [_current_secret(), *[s for s in getattr(settings, "PII_ENCRYPTION_OLD_KEYS", []) if s]]


def current_cipher():
    cipher = getattr(settings, "PII_CIPHER", "sm4")
    if cipher not in CIPHERS:
        raise ValueError(f"PII_CIPHER must be one of {', '.join(CIPHERS)}, not {cipher!r}")
    return cipher


@lru_cache(maxsize=64)
def _derive(secret, purpose, length, hash_name):
    algorithm = hashes.SM3() if hash_name == "sm3" else hashes.SHA256()
    return HKDF(algorithm=algorithm, length=length, salt=None, info=f"labportal {purpose}".encode()).derive(secret.encode())


def key_id(secret):
    """Eight hex digits naming a secret in the values written with it (never the secret itself)."""
    return _derive(secret, "pii key id", 4, "sha256").hex()


def _cipher_key(secret, cipher):
    return _derive(secret, f"pii cipher {cipher}", KEY_LENGTHS[cipher], "sm3" if cipher == "sm4" else "sha256")


def _index_key(secret, cipher):
    return _derive(secret, f"pii blind index {cipher}", 32, "sm3" if cipher == "sm4" else "sha256")


# --- values --------------------------------------------------------------------------------------------


def _algorithm(cipher, key):
    return algorithms.SM4(key) if cipher == "sm4" else algorithms.AES(key)


def encrypt(plaintext, associated_data):
    """`plaintext` (str) sealed with the current secret and cipher, bound to `associated_data` (bytes)."""
    cipher, secret = current_cipher(), _current_secret()
    nonce = os.urandom(NONCE_BYTES)
    encryptor = Cipher(_algorithm(cipher, _cipher_key(secret, cipher)), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(associated_data)
    sealed = encryptor.update(plaintext.encode()) + encryptor.finalize() + encryptor.tag
    body = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
    return f"{VERSION}:{cipher}:{key_id(secret)}:{body}"


def parse(stored):
    """(cipher, key id, raw bytes) of a stored value; DecryptionError when it is not one."""
    parts = (stored or "").split(":")
    if len(parts) != 4 or parts[0] != VERSION or parts[1] not in CIPHERS:
        raise DecryptionError("not an encrypted value")
    try:
        raw = base64.urlsafe_b64decode(parts[3] + "=" * (-len(parts[3]) % 4))
    except ValueError as exc:
        raise DecryptionError("not an encrypted value") from exc
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("not an encrypted value")
    return parts[1], parts[2], raw


def is_encrypted(stored):
    try:
        parse(stored)
    except DecryptionError:
        return False
    return True


def decrypt(stored, associated_data):
    """The plain text of a stored value, with whichever configured secret wrote it."""
    cipher, kid, raw = parse(stored)
    secret = next((s for s in _secrets() if key_id(s) == kid), None)
    if secret is None:
        raise DecryptionError(f"no configured PII key has the id {kid} (add it to PII_ENCRYPTION_OLD_KEYS)")
    nonce, sealed, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    decryptor = Cipher(_algorithm(cipher, _cipher_key(secret, cipher)), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(associated_data)
    try:
        return (decryptor.update(sealed) + decryptor.finalize()).decode()
    except InvalidTag as exc:
        raise DecryptionError("the value does not authenticate (altered, or moved from another column)") from exc


def is_current(stored):
    """Written with the current secret and cipher (`rotate_pii_key` leaves it alone)."""
    try:
        cipher, kid, _raw = parse(stored)
    except DecryptionError:
        return False
    return cipher == current_cipher() and kid == key_id(_current_secret())


def normalise(value):
    """An identifier as compared: no spaces, upper case (an ID number's final x is X)."""
    return re.sub(r"\s+", "", value or "").upper()


def _index(secret, cipher, domain, value):
    mac = crypto_hmac.HMAC(_index_key(secret, cipher), INDEX_HASHES[cipher]())
    mac.update(f"{domain}\x1f{normalise(value)}".encode())
    return mac.finalize().hex()


def blind_index(value, domain):
    """The keyed digest of `value` (normalised) for its column `domain`, with the current secret and cipher."""
    return _index(_current_secret(), current_cipher(), domain, value) if normalise(value) else ""


def blind_index_candidates(value, domain):
    """Every digest a row holding `value` may carry: each configured secret, each cipher's HMAC (a row written
    before the key was rotated or the cipher switched is still found)."""
    if not normalise(value):
        return []
    return [_index(secret, cipher, domain, value) for secret in _secrets() for cipher in CIPHERS]


# --- fields --------------------------------------------------------------------------------------------


class EncryptedTextField(models.TextField):
    """Text kept encrypted in its column (see the module). `max_length` limits the plain text in forms."""

    description = "Text encrypted with SM4-GCM or AES-256-GCM"

    def associated_data(self):
        return f"{self.model._meta.db_table}.{self.column}".encode()

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value, self.associated_data())

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value, self.associated_data())

    def get_lookup(self, lookup_name):
        # Equal plain texts are stored differently (a random nonce): only "is it empty" can be asked.
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def get_transform(self, name):
        return None

    def formfield(self, **kwargs):
        return super().formfield(**{"widget": forms.TextInput, **kwargs})


class BlindIndexField(models.CharField):
    """The keyed digest of another field's plain text (`source`), computed on every save: rows are found by the
    number without the number being stored. Saving with `update_fields` must name both fields."""

    description = "Keyed digest of another field"

    def __init__(self, *args, source=None, **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def domain(self):
        return f"{self.model._meta.db_table}.{self.model._meta.get_field(self.source).column}"

    def pre_save(self, model_instance, add):
        value = blind_index(getattr(model_instance, self.source) or "", self.domain())
        setattr(model_instance, self.attname, value)
        return value

    def candidates(self, value):
        """The digests to look `value` up with (`field__in=`)."""
        return blind_index_candidates(value, self.domain())


def encrypted_fields():
    """(model, encrypted field, [its blind index fields]) of every installed model."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                indexes = [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField) and f.source == field.name]
                found.append((model, field, indexes))
    return found


# --- settings ------------------------------------------------------------------------------------------


@checks.register(checks.Tags.security)
def check_settings(app_configs=None, **kwargs):
    """The cipher is one this module knows; every configured secret is long enough; with --deploy, the secret
    is set (not derived from SECRET_KEY)."""
    errors = []
    if getattr(settings, "PII_CIPHER", "sm4") not in CIPHERS:
        errors.append(checks.Error(f"PII_CIPHER must be one of: {', '.join(CIPHERS)}.", id="labportal.E111"))
    configured = [getattr(settings, "PII_ENCRYPTION_KEY", ""), *getattr(settings, "PII_ENCRYPTION_OLD_KEYS", [])]
    if any(s and len(s) < MIN_SECRET_LENGTH for s in configured):
        errors.append(checks.Error(
            f"PII_ENCRYPTION_KEY and PII_ENCRYPTION_OLD_KEYS need at least {MIN_SECRET_LENGTH} characters each.",
            hint="python -c 'import secrets; print(secrets.token_urlsafe(32))'", id="labportal.E112"))
    return errors


@checks.register(checks.Tags.security, deploy=True)
def check_deploy_settings(app_configs=None, **kwargs):
    if not getattr(settings, "PII_ENCRYPTION_KEY", ""):
        return [checks.Error("PII_ENCRYPTION_KEY is not set: ID numbers would be encrypted with a key derived from SECRET_KEY.",
                             hint="Set PII_ENCRYPTION_KEY in the environment and keep it apart from the database backups.",
                             id="labportal.E113")]
    return []
