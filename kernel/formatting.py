"""Chinese display conventions for money (CNY), areas (m²), dates and lists."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

WAN = Decimal(10_000)


def format_cny(amount):
    """¥52,000,000.00 (5,200万元): the figure and the 万元 reading officials use."""
    if amount is None or amount == "":
        return "—"
    amount = Decimal(amount)
    text = f"¥{amount:,.2f}"
    if abs(amount) >= WAN:
        wan = (amount / WAN).quantize(Decimal("0.01")).normalize()
        wan_text = f"{wan:,f}".rstrip("0").rstrip(".") if "." in f"{wan:f}" else f"{wan:,f}"
        text += _(" (%(wan)s 万元)") % {"wan": wan_text}
    return text


def to_wan(amount):
    """An amount in yuan as 万元 with two decimals (Decimal("5200.00") for ¥52,000,000): how a spreadsheet for
    the leadership gives money. None stays None."""
    if amount is None or amount == "":
        return None
    return (Decimal(amount) / WAN).quantize(Decimal("0.01"))


def format_area(m2):
    if m2 is None or m2 == "":
        return "—"
    m2 = Decimal(m2)
    figure = f"{m2:,.2f}".rstrip("0").rstrip(".")
    return f"{figure} m²"


def is_chinese(language=None):
    """Whether the reader reads Chinese (the active language unless one is given)."""
    return (language or get_language() or "zh-hans").lower().startswith("zh")


def list_separator():
    return "、" if is_chinese() else ", "


def format_list(items):
    """甲、乙、丙 in Chinese; A, B, C in English."""
    return list_separator().join(str(item) for item in items)


def format_date(value):
    """The one date format: 2026年11月24日 (10:30) in Chinese, ISO 2026-11-24 (10:30) in English; datetimes in
    Asia/Shanghai."""
    if value is None:
        return "—"
    if hasattr(value, "tzinfo"):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    if is_chinese():
        text = f"{value.year}年{value.month}月{value.day}日"
        if hasattr(value, "hour"):
            text += f" {value.hour:02d}:{value.minute:02d}"
        return text
    return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "hour") else value.isoformat()


def mask_identifier(value, head=6, tail=4):
    """110105********1234: an ID card number as staff see it (PIPL: the full number only in the database).

    The region code and the last four characters stay, enough to tell two objectors apart; a short value
    keeps at most its last two characters."""
    value = (value or "").strip()
    if not value:
        return "—"
    if len(value) <= head + tail:
        keep = min(2, len(value) // 2)
        return "*" * (len(value) - keep) + value[len(value) - keep:]
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def mask_contact(value):
    """138****5678, z***@example.cn: a phone number or e-mail address as a reader who does not call or write sees it
    (PIPL: the whole contact only where staff use it). Anything else keeps its last two characters."""
    value = (value or "").strip()
    if not value:
        return "—"
    if "@" in value:
        local, _at, domain = value.rpartition("@")
        return (local[:1] + "***" if local else "***") + "@" + domain
    digits = [c for c in value if c.isdigit()]
    if len(digits) >= 7:
        return "".join(digits[:3]) + "****" + "".join(digits[-4:])
    return mask_identifier(value)
