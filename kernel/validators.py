"""Validators any app's fields share: text (`no_control_characters`) and dates a person enters (`sane_date`)."""

import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .formatting import format_date
from .periods import period_end

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


@deconstructible
class SaneDate:
    """A date a person types lies in a range the portal can mean: from `DATE_EARLIEST` to `DATE_LATEST_YEARS`
    years after today, unless the field sets a tighter one (`earliest`, `latest`; `latest="today"` for a date that
    has happened). Refused with a message naming the field (`label`), so that 9999-12-31 never becomes a clock."""

    message = _("%(field)s: %(date)s is outside the dates accepted here (%(earliest)s to %(latest)s).")
    code = "date_out_of_range"

    def __init__(self, label, earliest=None, latest=None):
        self.label, self.earliest, self.latest = label, earliest, latest

    def bounds(self, today=None):
        today = today or timezone.localdate()
        earliest = self.earliest or settings.DATE_EARLIEST
        if self.latest == "today":
            latest = today
        else:
            latest = self.latest or period_end(today, years=settings.DATE_LATEST_YEARS)
        return earliest, latest

    def __call__(self, value):
        if value is None:
            return
        if isinstance(value, datetime.datetime):
            value = value.date()
        earliest, latest = self.bounds()
        if not earliest <= value <= latest:
            raise ValidationError(self.message, code=self.code, params={
                "field": capfirst(self.label), "date": format_date(value),
                "earliest": format_date(earliest), "latest": format_date(latest)})

    def __eq__(self, other):
        return isinstance(other, SaneDate) and (self.label, self.earliest, self.latest) == (other.label, other.earliest, other.latest)

    def __hash__(self):
        return hash((type(self), str(self.label), self.earliest, self.latest))


def sane_date(label, earliest=None, latest=None):
    """The range check of a date a person enters (`SaneDate`), for a form or serializer field labelled `label`."""
    return SaneDate(label, earliest=earliest, latest=latest)
