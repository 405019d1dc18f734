"""`manage.py make_signing_keys`: the demo's signing keys (a root CA, "labportal demo CA", and a certificate per issuing
authority) in DOCUMENT_SIGNING_DIR (var/signing/), unless they are there already. Never for production: it refuses
the demo's root (README "Signed documents")."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from kernel import signing_keys


class Command(BaseCommand):
    help = "Write a demo root CA and a signing key and certificate per issuer (kept when they exist)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=None, help="Directory to write to (default: DOCUMENT_SIGNING_DIR).")
        parser.add_argument("--ca-name", default=signing_keys.DEMO_CA_NAME, help="The root CA's common name.")
        parser.add_argument("--force", action="store_true", help="Write a new set even when one is there.")

    def handle(self, *args, dir=None, ca_name=None, force=False, **options):
        directory = Path(dir or settings.DOCUMENT_SIGNING_DIR)
        names = ["ca.crt", *(f"{issuer}.{ext}" for issuer in signing_keys.demo_issuers() for ext in ("key", "crt"))]
        if not force and all((directory / name).is_file() for name in names):
            self.stdout.write(f"Signing keys are in {directory} already.")
            return
        signing_keys.write_demo_keys(directory, ca_name=ca_name)
        self.stdout.write(f"Wrote a root CA ({ca_name}) and signing keys for {', '.join(signing_keys.demo_issuers())} "
                          f"to {directory}.")
