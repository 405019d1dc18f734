"""`manage.py issue_api_token USERNAME [--name NAME]`: an operator issues an API token on the server itself (a
service script, `make securitycheck`), where no browser can pass the second factor. Prints the token once; it
expires, and is revoked, like any other (`accounts.api_tokens`)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts import api_tokens


class Command(BaseCommand):
    help = "Issue an API token for a user and print it (it is stored only as its SHA-256)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="server", help="What uses the token; a token of the same name is replaced.")

    def handle(self, username, name, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        token, raw = api_tokens.issue(user, name)
        self.stderr.write(f"Token {token.prefix}… for {username}, expires {token.expires_at:%Y-%m-%d %H:%M} UTC.")
        self.stdout.write(raw)
