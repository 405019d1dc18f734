from django.core.management.base import BaseCommand

from kernel.diagrams import DOCUMENT, document_with_drawing, drawing


class Command(BaseCommand):
    help = "Print every state machine drawn from its transitions; --write puts it into docs/architecture.md."

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help="refresh the block in docs/architecture.md")

    def handle(self, *args, write=False, **options):
        if not write:
            self.stdout.write(drawing())
            return
        DOCUMENT.write_text(document_with_drawing(DOCUMENT.read_text(encoding="utf-8")), encoding="utf-8")
        self.stdout.write(f"{DOCUMENT} updated")
