"""Check of an 18-digit resident identity number (GB 11643-1999): region, birth date, check digit."""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK_DIGITS = "10X98765432"


def validate_resident_id(value):
    value = (value or "").strip().upper()
    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
        raise ValidationError(_("An ID card number has 18 characters: 17 digits and a digit or X."))
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise ValidationError(_("The ID card number does not contain a valid date of birth.")) from exc
    check = CHECK_DIGITS[sum(int(d) * w for d, w in zip(value[:17], WEIGHTS)) % 11]
    if value[17] != check:
        raise ValidationError(_("The ID card number's check digit is wrong; please check the number."))
    return value
