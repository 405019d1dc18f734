"""Validators of text any app's fields share."""

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# C0 (NUL to US, tab, line feed and carriage return included), DEL and C1: nothing a name needs, and what breaks
# an e-mail header (a newline in a subject drops the message) or a document's line.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@deconstructible
class NoControlCharacters:
    """A one-line text (a name, a title) holds no control character: no newline, tab, NUL or any other."""

    message = _("Remove the line breaks, tabs and other control characters: this text must be a single plain line.")
    code = "control_characters"

    def __call__(self, value):
        if value is not None and CONTROL_CHARACTERS.search(str(value)):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other):
        return isinstance(other, NoControlCharacters)

    def __hash__(self):
        return hash(type(self))


no_control_characters = NoControlCharacters()
