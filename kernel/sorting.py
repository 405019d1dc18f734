"""Chinese names in pinyin order (阿尔山 < 北京 < 重庆 chóng), the order of a Chinese index.

Code-point order puts 重 (U+91CD) after 阿 (U+963F) and 北 (U+5317) anywhere; no collation both SQLite and
PostgreSQL share sorts by pinyin. So each model with a Chinese name stores a sort key beside it (`name_sort`,
filled on every save by `PinyinSorted`), and the database orders and paginates by that column.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

SORT_KEY_LENGTH = 255


def pinyin_key(text):
    """`重庆市` → `chong2 qing4 shi4`: each syllable with its tone digit, which also ends it, so that `a1` sorts
    before `an1` under any collation; a neutral tone is 5; other characters are kept, lower-cased."""
    from pypinyin import Style, lazy_pinyin  # its dictionaries load on first use, not at start-up

    syllables = lazy_pinyin((text or "").strip(), style=Style.TONE3, neutral_tone_with_five=True)
    return " ".join(syllables).lower()[:SORT_KEY_LENGTH]


def sort_key_field():
    return models.CharField(_("sort key (pinyin)"), max_length=SORT_KEY_LENGTH, blank=True, editable=False, db_index=True)


class PinyinSorted:
    """Model mixin: keep `sort_key_field` (`pinyin_sort[0]`) the pinyin of the name (`pinyin_sort[1]`) on save,
    also when only the name is saved (`update_fields`)."""

    pinyin_sort = ("name_sort", "name_zh")

    def save(self, **kwargs):
        target, source = self.pinyin_sort
        setattr(self, target, pinyin_key(getattr(self, source)))
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and source in update_fields:
            kwargs["update_fields"] = {*update_fields, target}
        super().save(**kwargs)
