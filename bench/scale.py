"""The national-scale database of `make bench` (issue 16): 10,000 applications in every status over 1,600 hosts in
every province, 2,000 laboratories in every state, 200 experts, about 100,000 scores and 200,000 audit records, with
the revisions, preliminary reviews, formal reviews, rounds (one of 500 entries), assignments, inspections, notices,
sign-offs, deadlines and notifications the real flow leaves behind.

How: `labportal.journeys` walks one template application (or laboratory) into each state through the real transitions
and services; every row the walk created is then copied with `bulk_create`, as many times as that state's share asks,
each copy under its own host, applicant, recommenders, experts and name, its rounds and notices shared by groups of
copies. The copies are in their states because their template is: bulk-creating rows in a state bypasses the
transitions, which is the point here (the journeys take a second an object) and is allowed in this bench builder
only, never in the portal's code. Left out on purpose: issued documents (the pages link them; their files are the
documents bench's), objections (receipt numbers are one per lodging), and a valid audit chain (copied records keep
their template's digests: the bench never verifies the chain; the head is moved past them so new records append).

`ensure(scale)` builds into a migrated database unless its marker table says it holds this version's build at that
scale; `make bench` runs it through `bench/pages.py`, with the test settings (fast password hashing, eager tasks)."""

import datetime
import itertools
import time
from collections import defaultdict
from contextlib import ExitStack
from unittest import mock

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction

from accounts.models import Organisation, OrganisationKind, Role, User
from applications.models import (
    Application,
    Attachment,
    ConsortiumMember,
    NationalProject,
    OutcomeClaim,
    PreliminaryReview,
    Revision,
    ServiceIncome,
    StandardLed,
    Status,
    TeamMember,
    TechnologyTransfer,
)
from applications.validators import LAB_NAME_SUFFIX
from evaluations.models import (
    AcceptanceApplication,
    AdverseProposal,
    AnnualReport,
    ChangeReport,
    Evaluation,
    ExtensionRequest,
    Laboratory,
    RecommenderOpinion,
    ReportOutput,
    StatementAttachment,
)
from evaluations.states import LabStatus
from kernel.deadline_kinds import registry
from kernel.models import AuditCheckpoint, AuditEntry, Deadline, Notification, SignOff
from kernel.sorting import pinyin_key
from labportal.journeys import Journey, all_checks
from reviews.models import (
    Assignment,
    CommitteeMember,
    FormalReview,
    Position,
    PublicityNotice,
    ReviewRound,
    RoundEntry,
    Score,
    SiteInspection,
)
from tests.bulk import ASPECTS, REGIONS, SUBJECTS, _hosts
from tests.factories import FactoryCast

VERSION = 2  # raise when the builder changes: `ensure` rebuilds a database of another version
MARKER = "bench_scale_build"
APPLICATIONS, HOSTS, EXPERTS, AUDIT_RECORDS, OPEN_DEADLINES = 10_000, 1_600, 200, 200_000, 100_000
PANEL = (82, 78, 85, 90, 76)  # five experts score each application of a round
ROUND_SIZE = 25  # applications per round and per notice; the expert-review share is one round (~500 at scale 1)

# Per cent of the applications in each state; the approved ones are the laboratories below (20 %).
APPLICATION_SHARES = {
    Status.DRAFT: 10, Status.SUBMITTED: 8, Status.RETURNED: 3, Status.RECOMMENDED: 8, Status.NOT_RECOMMENDED: 3,
    Status.SUPPLEMENT_REQUESTED: 3, Status.FORMAL_REVIEW_PASSED: 5, Status.FORMAL_REJECTED: 3, Status.EXPERT_REVIEW: 5,
    Status.SITE_INSPECTION: 5, Status.INSPECTED: 4, Status.PUBLICITY: 4, Status.AWAITING_APPROVAL: 4,
    Status.REJECTED: 12, Status.WITHDRAWN: 3,
}
LAB_SHARES = {  # per cent of the laboratories in each state
    LabStatus.CONSTRUCTION: 40, LabStatus.ACCEPTANCE_REVIEW: 5, LabStatus.RECTIFYING: 3,
    LabStatus.ACCEPTANCE_CONFIRMATION: 3, LabStatus.ACCEPTANCE_PUBLICITY: 2, LabStatus.OPERATING: 35,
    LabStatus.EVALUATING: 4, LabStatus.EVALUATION_RECTIFYING: 3, LabStatus.TERMINATION_PROPOSED: 1,
    LabStatus.DELISTING_PROPOSED: 2, LabStatus.TERMINATED: 1, LabStatus.DELISTED: 1,
}
LAB_PER_CENT = 20

# What a template's walk creates, in the order rows are copied (every foreign key points to an earlier model).
SHARED_PER_GROUP = [ReviewRound, PublicityNotice]
PER_COPY = [
    Application, ConsortiumMember, TeamMember, NationalProject, OutcomeClaim, StandardLed, TechnologyTransfer,
    ServiceIncome, Attachment, Revision, PreliminaryReview, FormalReview, SiteInspection, RoundEntry, Assignment, Score,
    Laboratory, AcceptanceApplication, ExtensionRequest, AnnualReport, ReportOutput, Evaluation, ChangeReport,
    AdverseProposal, StatementAttachment, RecommenderOpinion,
]
GENERIC = [SignOff, Deadline, AuditEntry]  # rows about an object (content type and id)
THROUGH = [PublicityNotice.applications.through, Deadline.organisations.through]
CAPTURED = [*SHARED_PER_GROUP, *PER_COPY, *GENERIC, Notification, *THROUGH, User]
QUALIFIERS = ["", "计量", "标准化", "认证", "检验"]  # 5 × 20 regions × 25 subjects × 4 aspects = 10,000 names


class PanelJourney(Journey):
    """The real journey, with a panel of five experts scoring each application of a round."""

    def scored_round(self, apps, values=PANEL):
        return super().scored_round(apps, values)


# --- the marker ---------------------------------------------------------------------------------------------


def built_version():
    """(version, scale) of the build this database holds, or None."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [MARKER])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT version, scale FROM {MARKER} ORDER BY built_at DESC LIMIT 1")  # noqa: S608
        row = cursor.fetchone()
    return tuple(row) if row else None


def _mark(scale, counts, seconds):
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER} (version integer, scale double precision, "
                       "built_at timestamptz DEFAULT now(), seconds double precision, counts text)")
        cursor.execute(f"INSERT INTO {MARKER} (version, scale, seconds, counts) VALUES (%s, %s, %s, %s)",  # noqa: S608
                       [VERSION, scale, seconds, repr(counts)])


def ensure(scale=1.0, log=print):
    """Build unless this database already holds this version's build at `scale`; returns whether it built."""
    if built_version() == (VERSION, scale):
        log(f"scale database: version {VERSION} at scale {scale} already built, reused")
        return False
    if built_version() is not None:
        raise SystemExit("this database holds another build: drop it first (bench/pages.py does)")
    started = time.perf_counter()
    counts = build(scale, log=log)
    _mark(scale, counts, time.perf_counter() - started)
    log(f"scale database built in {time.perf_counter() - started:.0f} s: {counts}")
    return True


# --- the build ----------------------------------------------------------------------------------------------


def build(scale=1.0, log=print):
    """Everything above at `scale` (1/1000 makes one copy of each template: every state, every relation)."""
    with ExitStack() as stack:
        # Issued documents stay pending (nothing renders in the build) and no e-mail is queued.
        stack.enter_context(mock.patch("kernel.documents._enqueue", lambda pk: None))
        stack.enter_context(mock.patch("kernel.notifications._queue_emails", lambda ids: None))
        started = time.perf_counter()
        journey = PanelJourney(FactoryCast())
        templates = _templates(journey)
        log(f"  {len(templates)} templates walked through the real transitions in {time.perf_counter() - started:.0f} s")
        people = _people(journey, scale)
        copier = Copier(people)
        labs = max(len(LAB_SHARES), round(APPLICATIONS * scale * LAB_PER_CENT / 100))
        for (kind, state), captured in templates.items():
            share = (LAB_SHARES[state] * labs / 100) if kind == "lab" else APPLICATION_SHARES[state] * APPLICATIONS * scale / 100
            group = max(1, round(share)) if state == Status.EXPERT_REVIEW else ROUND_SIZE
            with transaction.atomic():
                copier.copy(captured, max(1, round(share)), group)
        _pad(scale)
        _move_audit_head()
    _settle()
    return counts()


def _settle():
    """VACUUM ANALYZE, as autovacuum would have done long before a real database reached this size: the planner's
    statistics, and the visibility map that lets an index-only scan skip the table (without it, counting one
    officer's forty thousand notifications read every row)."""
    if connection.in_atomic_block:  # a test's build, rolled back at its end: nothing to settle
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def counts():
    return {model.__name__: model.objects.count() for model in (
        Organisation, User, Application, Laboratory, Revision, PreliminaryReview, FormalReview, ReviewRound,
        RoundEntry, Assignment, Score, PublicityNotice, SignOff, Notification, AuditEntry)} | {
        "open deadlines": Deadline.objects.filter(state=Deadline.State.OPEN).count()}


def _templates(journey):
    """{("application" | "lab", state): the rows its walk created}, one walk per state."""
    walks = {("application", state): (lambda s=state: _application_in(journey, s)) for state in APPLICATION_SHARES}
    walks |= {("lab", state): (lambda s=state: journey.lab_in(s)) for state in LAB_SHARES}
    templates = {}
    for key, walk in walks.items():
        before = {model: _max_pk(model) for model in CAPTURED}
        walk()
        templates[key] = {model: list(model.objects.filter(pk__gt=before[model]).order_by("pk")) for model in CAPTURED}
    return templates


def _max_pk(model):
    return model.objects.aggregate(top=models.Max("pk"))["top"] or 0


def _application_in(journey, state):
    """A template application in `state`: the journeys' own steps, and for the states they do not name, the one
    transition that leads there, taken by whom the Measures say."""
    take, cast = journey.take, journey.cast
    if state in (Status.RETURNED, Status.NOT_RECOMMENDED, Status.WITHDRAWN):
        app = journey.submitted()
        if state == Status.WITHDRAWN:
            return take(app, "withdraw", cast.applicant(app.host), "单位调整申报计划")
        recommender = cast.recommender(app.host.recommenders().order_by("pk").first())
        if state == Status.RETURNED:
            return take(app, "return_for_revision", recommender, "请补充近三年仪器设备清单")
        return take(app, "decline", recommender, "不符合第十二条规定的条件")
    if state in (Status.SUPPLEMENT_REQUESTED, Status.FORMAL_REJECTED):
        app = journey.recommended()
        name = "request_supplement" if state == Status.SUPPLEMENT_REQUESTED else "reject_formally"
        return take(app, name, journey.staff, "材料不全：缺少依托单位承诺书", checks=all_checks(unconfirmed=(0,)))
    if state == Status.REJECTED:
        app = journey.formal_review_passed()
        journey.conclude(journey.scored_round([app]), {app.pk: ("reject", "综合得分低于入围线")})
        app.refresh_from_db()
        return app
    if state == Status.EXPERT_REVIEW:  # scoring under way: three submitted, one drafting, one not yet declared
        app = journey.application_in(state)
        review_round = RoundEntry.objects.get(application=app).round
        for index, expert in enumerate(journey.experts[:5]):
            assignment = journey.assign(review_round, app, expert)
            if index < 4:
                journey.score(assignment, PANEL[index], submit=index < 3)
        return app
    return journey.application_in(state)


# --- the people ---------------------------------------------------------------------------------------------


class People:
    """Hosts in every province with an applicant each, a recommender at every provincial recommender, and the
    committee's experts (200 at scale 1)."""

    def __init__(self, hosts, applicants, recommenders, recommender_users, experts):
        self.hosts, self.applicants = hosts, applicants
        self.recommenders = recommenders  # province -> [provincial SAMR, provincial MIIT]
        self.recommender_users = recommender_users  # organisation pk -> user pk
        self.experts = experts


def _people(journey, scale):
    hosts = _hosts(max(1, round(HOSTS * scale)), "", central=False)
    applicants = User.objects.bulk_create([
        User(username=f"bench-applicant-{host.pk}", full_name=f"申报联系人{n}", email=f"applicant{n}@host.example.cn",
             role=Role.APPLICANT, organisation=host, password="!") for n, host in enumerate(hosts)])
    provincial = Organisation.objects.filter(
        kind__in=[OrganisationKind.PROVINCIAL_SAMR, OrganisationKind.PROVINCIAL_MIIT]).order_by("kind", "pk")
    recommenders = defaultdict(list)
    for organisation in provincial:
        recommenders[organisation.province].append(organisation)
    users = User.objects.bulk_create([
        User(username=f"bench-recommender-{org.pk}", full_name=f"推荐单位联系人{org.pk}", email=f"rec{org.pk}@gov.example.cn",
             role=Role.RECOMMENDER, organisation=org, password="!") for org in provincial])
    committee = journey.committee
    members = list(CommitteeMember.objects.filter(committee=committee).order_by("pk").values_list("expert_id", flat=True))
    more = max(0, round(EXPERTS * scale) - len(members))
    if more:
        institution = User.objects.get(pk=members[0]).organisation
        new = User.objects.bulk_create([
            User(username=f"bench-expert-{n}", full_name=f"评审专家{n}", email=f"expert{n}@expert.example.cn",
                 role=Role.EXPERT, organisation=institution, password="!") for n in range(more)])
        CommitteeMember.objects.bulk_create([
            CommitteeMember(committee=committee, expert=user, position=Position.MEMBER) for user in new])
        members += [user.pk for user in new]
    return People(hosts, applicants, recommenders, {user.organisation_id: user.pk for user in users}, members)


# --- copying ------------------------------------------------------------------------------------------------


def _names():
    for qualifier, region, (subject, subject_en), (aspect, aspect_en) in itertools.cycle(
            itertools.product(QUALIFIERS, REGIONS, SUBJECTS, ASPECTS)):
        name = f"{region}{subject}{qualifier}{aspect}{LAB_NAME_SUFFIX}"
        yield name, f"{subject_en} {aspect_en} ({region}{' ' + qualifier if qualifier else ''})"


class Copier:
    """Copies a template's rows, remapping every foreign key and generic reference to the copy's own objects."""

    def __init__(self, people):
        self.people = people
        self.names = _names()
        self.copied = 0
        self.sequence = AuditEntry.objects.aggregate(top=models.Max("sequence"))["top"] or 0
        self.models = {ct.pk: ct.model_class() for ct in ContentType.objects.all()}

    def copy(self, captured, copies, group_size):
        template = captured[Application][0]
        copies_maps = [self._substitutions(captured, template, self.copied + n) for n in range(copies)]
        self.copied += copies
        groups = [copies_maps[i:i + group_size] for i in range(0, copies, group_size)]
        first_of_group = {id(group[0]) for group in groups}
        for model in SHARED_PER_GROUP:  # one round (notice) per group of copies
            made = []
            for group in groups:
                for row in captured[model]:
                    made.append((group, row.pk, self._clone(row, group[0])))
            self._save(model, made)
        for model in PER_COPY:
            made = [([subst], row.pk, self._clone(row, subst)) for subst in copies_maps for row in captured[model]]
            self._save(model, made)
        for model in [*GENERIC, Notification]:
            made = []
            for subst in copies_maps:
                for row in captured[model]:
                    if model is not Notification and not self._about_the_copy(row, subst, id(subst) in first_of_group):
                        continue
                    clone = self._clone(row, subst)
                    if model is AuditEntry:
                        self.sequence += 1
                        clone.sequence = self.sequence
                    made.append(([subst], row.pk, clone))
            self._save(model, made)
        for through in THROUGH:
            rows = [self._clone(row, subst) for subst in copies_maps for row in captured[through]
                    if self._through_of_copy(row, subst)]
            through.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)

    def _substitutions(self, captured, template, n):
        """{(model, template pk): copy pk} for the people and organisations of copy `n`."""
        people = self.people
        host = people.hosts[n % len(people.hosts)]
        subst = {(Organisation, template.host_id): host.pk, "n": n, "host": host}
        for old, new in zip(template.host.recommenders().order_by("kind", "pk"), people.recommenders[host.province]):
            subst[(Organisation, old.pk)] = new.pk
        for user in captured[User]:
            if user.role == Role.APPLICANT and user.organisation_id == template.host_id:
                subst[(User, user.pk)] = people.applicants[n % len(people.hosts)].pk
            elif user.role == Role.RECOMMENDER and (Organisation, user.organisation_id) in subst:
                subst[(User, user.pk)] = people.recommender_users[subst[(Organisation, user.organisation_id)]]
        experts = list(dict.fromkeys(a.expert_id for a in captured[Assignment]))
        for index, expert in enumerate(experts):
            subst[(User, expert)] = people.experts[(n * len(experts) + index) % len(people.experts)]
        subst["name"] = next(self.names)
        return subst

    def _clone(self, row, subst):
        model = type(row)
        values = {}
        for field in model._meta.concrete_fields:
            if field.primary_key:
                continue
            value = getattr(row, field.attname)
            if field.is_relation and value is not None:
                value = subst.get((field.related_model, value), value)
            values[field.attname] = value
        if "content_type_id" in values and values["content_type_id"] is not None:
            target = self.models[values["content_type_id"]]
            values["object_id"] = subst.get((target, values["object_id"]), values["object_id"])
        name, name_en = subst["name"]
        if model in (Application, Laboratory):
            values.update(name_zh=name, name_sort=pinyin_key(name), name_en_subject=name_en)
        if model is Laboratory:
            values["province"] = subst["host"].province
        return model(**values)

    def _about_the_copy(self, row, subst, first_of_group):
        """A generic row is copied with its object: per copy for the copy's own, once per group for a shared round
        or notice, never for the templates' shared objects (the call, the committee); security records always."""
        if row.content_type_id is None:
            return True
        target = self.models[row.content_type_id]
        if target in SHARED_PER_GROUP:
            return first_of_group and (target, row.object_id) in subst
        return (target, row.object_id) in subst

    def _through_of_copy(self, row, subst):
        if hasattr(row, "publicitynotice_id"):
            return (Application, row.application_id) in subst and (PublicityNotice, row.publicitynotice_id) in subst
        return (Deadline, row.deadline_id) in subst

    def _save(self, model, made):
        if not made:
            return
        _rows_of(model).bulk_create([clone for _, _, clone in made], batch_size=2000)
        for substs, old, clone in made:
            for subst in substs:
                subst[(model, old)] = clone.pk


def _rows_of(model):
    """A plain queryset: the audit model's own refuses `bulk_create`, as the portal must."""
    return models.QuerySet(model)


def _pad(scale):
    """Security records (logins) up to 200,000 audit records, and open deadlines up to 100,000: each of a registered
    kind on a real object, at most one open per kind and object as the sweep keeps them, the kinds seen on each model
    first."""
    missing = round(AUDIT_RECORDS * scale) - AuditEntry.objects.count()
    if missing > 0:
        sample = AuditEntry.objects.filter(content_type__isnull=True).order_by("pk").first() or AuditEntry.objects.first()
        users = list(User.objects.values_list("pk", flat=True))
        top = AuditEntry.objects.aggregate(top=models.Max("sequence"))["top"] or 0
        _rows_of(AuditEntry).bulk_create([
            AuditEntry(transition="login", actor_id=users[i % len(users)], comment="", article="", data={},
                       client_ip="10.0.0.1", sequence=top + 1 + i, previous_digest=sample.digest, digest=sample.digest,
                       algorithm=sample.algorithm) for i in range(missing)], batch_size=5000)
    missing = round(OPEN_DEADLINES * scale) - Deadline.objects.filter(state=Deadline.State.OPEN).count()
    if missing > 0:
        Deadline.organisations.through.objects.bulk_create(
            _open_deadlines(missing), batch_size=5000, ignore_conflicts=True)


def _open_deadlines(missing):
    """`missing` more open deadlines, each linked to its object's host, and the links."""
    open_now = defaultdict(set)
    for ct, obj, kind in Deadline.objects.filter(state=Deadline.State.OPEN).values_list("content_type", "object_id", "kind"):
        open_now[(ct, obj)].add(kind)
    kinds = defaultdict(dict)
    for ct, kind in Deadline.objects.values_list("content_type", "kind").distinct().order_by("content_type", "kind"):
        kinds[ct][kind] = registry[kind].article
    # Applications also carry the other kinds: the real ones alone give about 40,000 (one open per kind and object).
    applications = ContentType.objects.get_for_model(Application).pk
    kinds[applications] |= {code: kind.article for code, kind in sorted(registry.items()) if code not in kinds[applications]}
    rows, hosts = [], []
    for ct, choices in sorted(kinds.items(), key=lambda item: item[0] != applications):
        model = ContentType.objects.get_for_id(ct).model_class()
        has_host = any(field.name == "host" for field in model._meta.fields)
        for pk, host in model.objects.order_by("pk").values_list("pk", "host_id" if has_host else "pk"):
            for kind, article in choices.items():
                if kind not in open_now[(ct, pk)] and len(rows) < missing:
                    open_now[(ct, pk)].add(kind)
                    rows.append(Deadline(content_type_id=ct, object_id=pk, kind=kind, article=article,
                                         due_date=_due(len(rows))))
                    hosts.append(host if has_host else None)
    Deadline.objects.bulk_create(rows, batch_size=5000)
    through = Deadline.organisations.through
    return [through(deadline_id=row.pk, organisation_id=host) for row, host in zip(rows, hosts) if host]


def _due(n):
    return datetime.date(2026, 12, 7) + datetime.timedelta(days=n % 400)


def _move_audit_head():
    """The chain's head past the copied records, so that the next record appends after them."""
    last = AuditEntry.objects.order_by("-sequence").first()
    if last:
        AuditCheckpoint.objects.filter(kind=AuditCheckpoint.Kind.HEAD).update(sequence=last.sequence, digest=last.digest)
