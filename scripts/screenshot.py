"""Look at pages as a person sees them: Debian's Chromium (headless, through Playwright) logs in as a demo
account and saves a full-page screenshot of each path, at the widths and languages asked for.

    .venv/bin/python scripts/screenshot.py --base http://127.0.0.1:8000 --user samr_staff \\
        --width 1366 --width 390 --lang zh-hans --lang en /reviews/ /labs/ --out test-artifacts/shots

Without --user the pages are seen logged out. Files are named <user>-<lang>-<width>-<path>.png. Ministry staff,
experts and the administrator give their second factor as the demo's authenticator app would (the current code of
the documented demo secret); --stop-at-second-factor leaves them at the verify page instead, to look at it.
"""

import argparse
import re
import time
from base64 import b32decode
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium-headless-shell"  # Debian's headless Chromium, as the browser tests (tests/browser/portal.py)
DEMO_PASSWORD = "demo12345"
DEMO_TOTP_SECRET = "LABPORTALDEMOTOTPSECRETKEY234567"  # accounts.second_factor.DEMO_TOTP_SECRET (README)


def demo_code(counter):
    """RFC 6238 with the demo secret at time step `counter`, as an authenticator app computes it."""
    import hashlib
    import hmac
    import struct

    digest = hmac.new(b32decode(DEMO_TOTP_SECRET), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def second_factor(page, used, tries=3):
    """At the verify page, the demo app's code. The portal takes each time step's code once (and the next step's
    early), so a later login of the same account waits for a step not used yet."""
    while "/accounts/two-factor/verify/" in page.url and tries:
        now = int(time.time() // 30)
        step = max(now, used[-1] + 1 if used else now)
        if step > now + 1:
            time.sleep((step - 1) * 30 - time.time() + 0.5)
        page.fill("input[name=code]", demo_code(step))
        page.locator("main form [type=submit]").first.click()
        page.wait_for_load_state()
        used.append(step)
        tries -= 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="")
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--width", type=int, action="append")
    parser.add_argument("--lang", action="append")
    parser.add_argument("--out", default="test-artifacts/shots")
    parser.add_argument("--stop-at-second-factor", action="store_true")
    parser.add_argument("--click", action="append", default=[],
                        help="a CSS selector clicked on each page before its screenshot (a card's summary, a menu)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    base = args.base.rstrip("/")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        used = []
        for lang in args.lang or ["zh-hans"]:
            for width in args.width or [1366]:
                context = browser.new_context(viewport={"width": width, "height": 844 if width < 600 else 768})
                host = re.sub(r"^https?://([^:/]+).*$", r"\1", base)
                context.add_cookies([{"name": "django_language", "value": lang, "domain": host, "path": "/"}])
                page = context.new_page()
                if args.user:
                    page.goto(f"{base}/accounts/login/")
                    page.fill("input[name=username]", args.user)
                    page.fill("input[name=password]", args.password)
                    page.locator("form [type=submit]").last.click()
                    page.wait_for_load_state()
                    if not args.stop_at_second_factor:
                        second_factor(page, used)
                for path in args.paths:
                    page.goto(f"{base}{path}")
                    for selector in args.click:
                        page.locator(selector).first.click()
                        page.wait_for_load_state("networkidle")
                    name = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "root"
                    target = out / f"{args.user or 'public'}-{lang}-{width}-{name}.png"
                    page.screenshot(path=str(target), full_page=True)
                    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                    print(f"{target}  status-url={page.url}  overflow={overflow}px")
                context.close()
        browser.close()


if __name__ == "__main__":
    main()
