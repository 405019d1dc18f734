"""The production settings module must pass Django's deployment checks with no warnings, and must not
start without the settings that only the operator can know."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kernel.signing_keys import write_demo_keys

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "labportal.settings.production",
    "SECRET_KEY": "k" * 20 + "-production-secret-for-the-check-0123456789abcdef",
    "ALLOWED_HOSTS": "portal.example.cn",
    "SITE_URL": "https://portal.example.cn",
    "PII_ENCRYPTION_KEY": "p" * 20 + "-production-pii-key-for-the-check-0123456789",
    "AUDIT_HMAC_KEY": "a" * 16 + "-audit-chain-key-for-the-check-0123456789",
}


@pytest.fixture(autouse=True)
def _signing_keys(signing_keys, monkeypatch):
    """The production settings require the issuers' signing keys: the tests' own (not the demo's)."""
    monkeypatch.setitem(PRODUCTION, "DOCUMENT_SIGNING_DIR", signing_keys["DOCUMENT_SIGNING_DIR"])


def _check(**overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "SITE_URL"}
           and not k.startswith("DOCUMENT_SIGNING")}
    env.update({k: v for k, v in {**PRODUCTION, **overrides}.items() if v is not None})
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = _check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_site_url_for_email_links():
    """E-mailed links must reach the served portal: production never falls back to the local demo address."""
    result = _check(SITE_URL=None)
    assert result.returncode != 0
    assert "SITE_URL" in result.stderr


def test_production_refuses_to_start_without_document_signing_keys(tmp_path):
    """Issued documents are signed with the issuing authority's key: production does not start without them."""
    result = _check(DOCUMENT_SIGNING_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "labportal.E131" in result.stderr


def test_production_refuses_the_demo_signing_keys(tmp_path):
    write_demo_keys(tmp_path)  # what `manage.py make_signing_keys` writes
    result = _check(DOCUMENT_SIGNING_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "labportal.E136" in result.stderr
    assert "labportal.E132" not in result.stderr


def test_every_gunicorn_recycles_its_workers():
    """Wherever gunicorn is started (the image, compose, the security check, the benches' servers), each worker is replaced after
    about a thousand requests, at jittered moments: whatever its memory grew to, it does not keep."""
    places = [ROOT / "Dockerfile", ROOT / "docker-compose.yml", ROOT / "scripts" / "securitycheck.sh",
              ROOT / "bench" / "servers.py"]
    for place in places:
        text = place.read_text()
        assert "gunicorn" in text, place
        for option in ("--max-requests", "--max-requests-jitter"):
            assert re.search(rf'{option}"?[\s,]+"?[1-9]\d*', text), (place, option)
