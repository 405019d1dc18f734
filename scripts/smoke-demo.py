"""Prove that a served demo works as a person meets it: over plain HTTP, log in as every demo account
and load its home page (`.ci/run` runs this against `make run` on a clean clone).

    .venv/bin/python scripts/smoke-demo.py http://127.0.0.1:8765

The accounts come from the seed itself, so a new demo account is checked without editing this file. Ministry
staff, experts and the administrator then give their second factor as an authenticator app would: the current code
of the demo's documented TOTP secret.
Exits non-zero, naming the account and the page, at the first failure.
"""

import http.cookiejar
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ERROR_MARKERS = ("Traceback", "Server Error", "服务器错误", "Page not found", "页面不存在", "TemplateSyntaxError")


def demo_accounts():
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labportal.settings.dev")
    import django

    django.setup()
    from labportal.management.commands.seed_demo import ACCOUNTS, DEMO_PASSWORD

    return [(account.username, DEMO_PASSWORD) for account in ACCOUNTS]


def demo_code():
    """The code an authenticator app holding the demo secret shows now."""
    from base64 import b32decode

    from django_otp.oath import TOTP

    from accounts.second_factor import DEMO_TOTP_SECRET

    generator = TOTP(b32decode(DEMO_TOTP_SECRET))
    generator.time = time.time()
    return f"{generator.token():06d}"


def fetch(opener, url, data=None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"Referer": url, "Accept-Language": "zh-CN"})
    with opener.open(request, timeout=60) as response:
        return response.status, response.geturl(), response.read().decode("utf-8", "replace")


def check_account(base, username, password):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    login_url = f"{base}/accounts/login/"
    status, _, page = fetch(opener, login_url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or not token:
        return f"the login page answered {status} without a form"
    status, landed, page = fetch(opener, login_url, {
        "csrfmiddlewaretoken": token.group(1), "username": username, "password": password,
    })
    if urllib.parse.urlsplit(landed).path.startswith("/accounts/login"):
        return "the login was refused"
    for attempt in range(2):  # a code is taken once: if this step's was used already, the next step's
        if not urllib.parse.urlsplit(landed).path.startswith("/accounts/two-factor/"):
            break
        if attempt:
            time.sleep(30 - time.time() % 30 + 1)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        status, landed, page = fetch(opener, landed, {"csrfmiddlewaretoken": token.group(1), "code": demo_code()})
    if urllib.parse.urlsplit(landed).path.startswith("/accounts/"):
        return f"the second factor was refused at {landed}"
    if status != 200:
        return f"the home page {landed} answered {status}"
    found = [marker for marker in ERROR_MARKERS if marker in page]
    if found:
        return f"the home page {landed} shows {found[0]!r}"
    if username not in page and "portal-user-name" not in page:
        return f"the home page {landed} does not show the logged-in user"
    return ""


def main(base):
    base = base.rstrip("/")
    failures = 0
    for username, password in demo_accounts():
        try:
            problem = check_account(base, username, password)
        except urllib.error.HTTPError as exc:
            problem = f"{exc.url} answered {exc.code}"
        except OSError as exc:
            problem = f"no answer: {exc}"
        print(f"{'FAIL' if problem else 'ok  '} {username:20} {problem}")
        failures += bool(problem)
    if failures:
        print(f"{failures} demo account(s) cannot use the demo at {base}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"))
