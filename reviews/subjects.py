"""What an expert round or a publicity notice can be about, and what concluding it does to its subjects.

`reviews` runs the rounds and notices; the objects they decide on belong to the apps around it. The
applications' rules are registered by `reviews.services` (the apps below it are its own to know); the
laboratory's (acceptance, comprehensive evaluation) by `evaluations` in its AppConfig.ready(), so that
`reviews` never names a laboratory state nor imports the app above it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class NoticeSubject:
    """How the applications listed in a publicity notice of this subject go under it and come out of it."""

    article: str
    ready: Callable  # application -> may it go under the notice?
    not_ready: str  # message with %(apps)s, naming those that may not
    put: Callable  # (application, by, notice): run the transition that puts it under publicity
    live: Callable  # notice -> the applications still under it
    conclude: Callable  # (application, by, sustained, comment): run the transition that ends its publicity
    sustained_comment: str  # what a sustained objection does, for the history
    # (notice, [applications put under it]) -> what the issued notice (公示) says of them: {"paragraphs": [...],
    # "annex": title, "columns": [...], "rows": [[...], ...]} (`reviews.documents.issue_publicity_notice`)
    wording: Callable | None = None


@dataclass(frozen=True)
class RoundPurpose:
    """What an expert round whose criteria set has this purpose decides, and how it ends."""

    conclude: Callable  # (review_round, by, {application id: (decision, reason)}), inside `ReviewRound.conclude`
    decisions: tuple  # the (value, label) choices of a decision on one entry
    live: Callable  # review_round -> the round's entries still to be decided (RoundEntry queryset)


NOTICE_SUBJECTS: dict[str, NoticeSubject] = {}
ROUND_PURPOSES: dict[str, RoundPurpose] = {}


def register_notice_subject(code, subject):
    NOTICE_SUBJECTS[code] = subject


def register_round_purpose(purpose, round_purpose):
    ROUND_PURPOSES[purpose] = round_purpose


def decision_choices():
    """Every decision a round may take on an entry, in the order the purposes were registered."""
    return list(dict.fromkeys(choice for purpose in ROUND_PURPOSES.values() for choice in purpose.decisions))


def notice_subject(code):
    try:
        return NOTICE_SUBJECTS[code]
    except KeyError:
        raise ImproperlyConfigured(f"No publicity subject {code!r} is registered.") from None


def round_purpose(purpose):
    try:
        return ROUND_PURPOSES[purpose]
    except KeyError:
        raise ImproperlyConfigured(f"No round purpose {purpose!r} is registered.") from None
