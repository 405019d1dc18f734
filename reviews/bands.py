"""Grading bands (评分细则) of a criterion: which range of scores means what, shown to the expert beside the
criterion. Stored on `Criterion.bands` as [{"low": "90", "high": "100", "text": "…"}], highest band first; staff
write them as one line per band, `90-100 优秀：…`."""

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

LINE = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,2})?)\s*[-–—~～至]\s*(\d{1,3}(?:\.\d{1,2})?)\s*[:：,，、\s]\s*(\S.*?)\s*$")


def _number(value):
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def validate_bands(bands):
    """Each band within 0-100, its low end not above its high end, a description, and no two bands overlapping."""
    if not isinstance(bands, list):
        raise ValidationError(_("Grading bands are a list of score ranges with their descriptions."), code="bands")
    ranges = []
    for index, band in enumerate(bands, start=1):
        low, high = (_number(band.get("low")), _number(band.get("high"))) if isinstance(band, dict) else (None, None)
        text = str(band.get("text", "")).strip() if isinstance(band, dict) else ""
        if low is None or high is None or not 0 <= low <= high <= 100 or not text:
            raise ValidationError(_("Grading band %(n)s: give a range within 0-100 (low to high) and what it means.")
                                  % {"n": index}, code="bands")
        ranges.append((low, high, index))
    ranges.sort()
    for (_low, high, first), (low, _high, second) in zip(ranges, ranges[1:]):
        if low <= high:
            raise ValidationError(_("Grading bands %(a)s and %(b)s overlap.") % {"a": min(first, second),
                                                                                "b": max(first, second)}, code="bands")


def bands_text(bands):
    """The bands as staff type them, one line each."""
    return "\n".join(f"{band['low']}-{band['high']} {band['text']}" for band in bands or [])


def parse_bands(text):
    """Lines `low-high description` into bands, highest first; a line that is not one names its number."""
    bands = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = LINE.match(line)
        if not match:
            raise ValidationError(_("Line %(n)s of the grading bands is not “low-high description” (e.g. "
                                    "“90-100 Excellent”).") % {"n": number}, code="bands")
        bands.append({"low": match[1], "high": match[2], "text": match[3]})
    validate_bands(bands)
    return sorted(bands, key=lambda band: Decimal(band["high"]), reverse=True)
