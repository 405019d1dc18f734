"""Conflicts of interest of experts (Art. 9), computed from data and never typed per round: the one place that
decides whether an expert may review an application or a laboratory. Manual assignment (`services.assign_expert`),
the suggestions and the automatic assignment (`autoassign`) all ask here.

An expert is in conflict with a subject when
- they work, or worked within `CONFLICT_EMPLOYMENT_YEARS` years, for its host or a consortium member (their
  account's organisation is always a current employer; `Employment` holds the others);
- they are named among its people: the dossier's director, academic committee and team, and what the apps above
  add through `register_subject_people` (the laboratory's academic committee chair, filled by `evaluations`);
- the round avoids the subject's own province (回避本省, `ReviewRound.avoid_home_province`) and they work there.

The rules run over plain data (`SubjectFacts`, `ExpertFacts`), so the solver and the bench use them without the
database; `round_facts` reads a round's in a fixed number of queries.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organisation
from accounts.provinces import Province
from applications.choices import TeamRole
from applications.models import ConsortiumMember, TeamMember

from .models import CommitteeMember, Employment, Expertise

HOST, CONSORTIUM, PERSON, PROVINCE = "host", "consortium", "person", "province"
RULE_LABELS = {
    HOST: gettext_lazy("Host institution"),
    CONSORTIUM: gettext_lazy("Consortium member"),
    PERSON: gettext_lazy("Named in the dossier"),
    PROVINCE: gettext_lazy("Own province (回避本省)"),
}

# application ids -> {application id: [(person's name, their role in words)]}: the people of a subject the apps
# above `reviews` know (a laboratory's academic committee chair); filled in their AppConfig.ready().
SUBJECT_PEOPLE: list[Callable] = []


def register_subject_people(source):
    SUBJECT_PEOPLE.append(source)


@dataclass(frozen=True)
class Conflict:
    rule: str
    text: str
    article: str = "Art. 9"

    @property
    def label(self):
        return RULE_LABELS[self.rule]


@dataclass
class SubjectFacts:
    id: int
    label: str
    host_id: int
    consortium_ids: frozenset = frozenset()
    province: str = ""
    people: dict = field(default_factory=dict)  # normalised name -> role in words
    field: str = ""
    directions: frozenset = frozenset()


@dataclass
class ExpertFacts:
    id: int
    name: str
    employers: dict = field(default_factory=dict)  # organisation id -> last day there (None: current)
    province: str = ""  # of the current organisation
    fields: frozenset = frozenset()
    directions: frozenset = frozenset()
    leader: bool = False  # the committee's chair or a vice-chair


def normalise_name(name):
    return "".join((name or "").split()).casefold()


def employment_window(today=None):
    """The first day an employer left since still counts as a conflict."""
    today = today or timezone.localdate()
    years = settings.CONFLICT_EMPLOYMENT_YEARS
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def conflicts_between(expert, subject, org_names, avoid_province=False):
    """Every conflict of `expert` with `subject` (plain facts), each with its rule and a sentence for staff."""
    found = []
    for org_id, rule in ((subject.host_id, HOST), *((c, CONSORTIUM) for c in sorted(subject.consortium_ids))):
        if org_id not in expert.employers:
            continue
        until = expert.employers[org_id]
        values = {"expert": expert.name, "org": org_names.get(org_id, ""), "subject": subject.label}
        if until is None:
            text = (_("%(expert)s works for %(org)s, the host of “%(subject)s”.") if rule == HOST else
                    _("%(expert)s works for %(org)s, a consortium member of “%(subject)s”."))
        else:
            values.update(until=until.isoformat(), years=settings.CONFLICT_EMPLOYMENT_YEARS)
            text = (_("%(expert)s worked for %(org)s, the host of “%(subject)s”, until %(until)s: within the last "
                      "%(years)s years.") if rule == HOST else
                    _("%(expert)s worked for %(org)s, a consortium member of “%(subject)s”, until %(until)s: within "
                      "the last %(years)s years."))
        found.append(Conflict(rule, text % values))
    role = subject.people.get(normalise_name(expert.name)) if expert.name else None
    if role is not None:
        found.append(Conflict(PERSON, _("%(expert)s is named in “%(subject)s” as %(role)s.")
                              % {"expert": expert.name, "subject": subject.label, "role": role}))
    if avoid_province and subject.province and expert.province == subject.province:
        found.append(Conflict(PROVINCE, _("%(expert)s works in %(province)s, the province of “%(subject)s”, and this "
                                          "round avoids experts of an entry's own province (回避本省).")
                              % {"expert": expert.name, "subject": subject.label,
                                 "province": Province(subject.province).label}))
    return found


def is_conflicted(expert, subject, avoid_province=False):
    """The fast form of `conflicts_between` for the solver: a yes or no, without the words."""
    if subject.host_id in expert.employers or not expert.employers.keys().isdisjoint(subject.consortium_ids):
        return True
    if expert.name and normalise_name(expert.name) in subject.people:
        return True
    return bool(avoid_province and subject.province and expert.province == subject.province)


# --- reading the facts from the database ------------------------------------------------------------------


def subject_facts(applications):
    """{application id: SubjectFacts} of `applications` (their host selected), in four queries and the hooks'."""
    ids = [a.pk for a in applications]
    consortium = defaultdict(set)
    for app_id, org_id in ConsortiumMember.objects.filter(application_id__in=ids).values_list("application_id",
                                                                                             "organisation_id"):
        consortium[app_id].add(org_id)
    people = defaultdict(dict)
    roles = dict(TeamRole.choices)
    for app_id, name, role in TeamMember.objects.filter(application_id__in=ids).values_list("application_id", "name",
                                                                                           "role"):
        people[app_id].setdefault(normalise_name(name), str(roles.get(role, role)))
    for source in SUBJECT_PEOPLE:
        for app_id, rows in source(ids).items():
            for name, role in rows:
                if normalise_name(name):
                    people[app_id].setdefault(normalise_name(name), str(role))
    return {a.pk: SubjectFacts(id=a.pk, label=str(a), host_id=a.host_id, consortium_ids=frozenset(consortium[a.pk]),
                               province=a.host.province, people=people[a.pk], field=a.field,
                               directions=frozenset(a.research_directions or ()))
            for a in applications}


def expert_facts(members, today=None):
    """{expert id: ExpertFacts} of committee `members` (their expert and organisation selected), in two queries."""
    since = employment_window(today)
    experts = [m.expert for m in members]
    employers = defaultdict(dict)
    for row in Employment.objects.filter(expert__in=experts).values("expert_id", "organisation_id", "ended_on"):
        if row["ended_on"] is None or row["ended_on"] >= since:
            known = employers[row["expert_id"]].get(row["organisation_id"], datetime.date.min)
            if known is not None:
                employers[row["expert_id"]][row["organisation_id"]] = (
                    None if row["ended_on"] is None else max(known, row["ended_on"]))
    expertise = {e.expert_id: e for e in Expertise.objects.filter(expert__in=experts)}
    facts = {}
    for member in members:
        user = member.expert
        mine = employers[user.pk]
        if user.organisation_id:
            mine[user.organisation_id] = None
        known = expertise.get(user.pk)
        facts[user.pk] = ExpertFacts(
            id=user.pk, name=str(user), employers=mine,
            province=user.organisation.province if user.organisation_id else "",
            fields=frozenset(member.fields or ()) | frozenset(known.fields if known else ()),
            directions=frozenset(known.directions if known else ()),
            leader=member.position != "member",
        )
    return facts


def organisation_names(subjects, experts):
    ids = {s.host_id for s in subjects} | {c for s in subjects for c in s.consortium_ids}
    ids &= {o for e in experts for o in e.employers}  # only those a conflict can name
    return dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "name"))


def committee_members(review_round):
    return list(CommitteeMember.objects.filter(committee_id=review_round.committee_id)
                .select_related("expert", "expert__organisation").order_by("pk"))


def member_conflicts(review_round, application):
    """[(committee member, [Conflict])] of the members in conflict with `application`, for staff to read why."""
    members = committee_members(review_round)
    experts = expert_facts(members)
    subject = subject_facts([application])[application.pk]
    names = organisation_names([subject], list(experts.values()))
    found = [(m, conflicts_between(experts[m.expert_id], subject, names, review_round.avoid_home_province))
             for m in members]
    return [(m, c) for m, c in found if c]


def conflicts_of(review_round, application, expert):
    """The conflicts of one expert with one application of a round (an expert outside the committee included)."""
    member = CommitteeMember(expert=expert, committee_id=review_round.committee_id)
    expert_row = expert_facts([member])[expert.pk]
    subject = subject_facts([application])[application.pk]
    return conflicts_between(expert_row, subject, organisation_names([subject], [expert_row]),
                             review_round.avoid_home_province)
