"""What the staff pages of the review stage share: the page size and how a member's fields read."""

from applications.choices import Field

PAGE_SIZE = 25


def field_labels(codes):
    labels = dict(Field.choices)
    return [labels.get(code, code) for code in codes or []]
