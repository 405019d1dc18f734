"""Checks of the numbers a real-name objector gives: an 18-digit resident identity number (GB 11643-1999:
region, birth date, check digit) and an organisation's unified social credit code (GB 32100-2015)."""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK_DIGITS = "10X98765432"

CREDIT_CODE_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
CREDIT_CODE_WEIGHTS = [3**i % 31 for i in range(17)]


def resident_id_check_digit(first17):
    """The 18th character of a resident ID number (GB 11643) whose first 17 digits are `first17`."""
    return CHECK_DIGITS[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


def validate_resident_id(value):
    value = (value or "").strip().upper()
    if len(value) != 18 or not value[:17].isdecimal() or value[17] not in "0123456789X":
        raise ValidationError(_("An ID card number has 18 characters: 17 digits and a digit or X."))
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise ValidationError(_("The ID card number does not contain a valid date of birth.")) from exc
    if value[17] != resident_id_check_digit(value[:17]):
        raise ValidationError(_("The ID card number's check digit is wrong; please check the number."))
    return value


def credit_code_check_character(first17):
    """The 18th character of a unified social credit code whose first 17 are `first17`."""
    total = sum(CREDIT_CODE_CHARACTERS.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS))
    return CREDIT_CODE_CHARACTERS[(31 - total % 31) % 31]


def validate_credit_code(value):
    value = (value or "").strip().upper()
    if len(value) != 18 or any(c not in CREDIT_CODE_CHARACTERS for c in value):
        raise ValidationError(_("A unified social credit code has 18 characters: digits and capital letters other than I, O, S, V and Z."))
    if value[17] != credit_code_check_character(value[:17]):
        raise ValidationError(_("The unified social credit code's check character is wrong; please check the code."))
    return value
