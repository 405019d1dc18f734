"""A revision read back as the dossier it was: the snapshot's values as unsaved model instances, so that what
reads a dossier (the Art. 12 self-check, the printed book) reads a revision the same way, whatever changed since.

Nothing here touches the database beyond the revision's application and host: the rows are the snapshot's.
"""

import datetime

from django.utils import timezone

from accounts.models import Organisation

from .eligibility import check_eligibility
from .models import Application
from .snapshots import LISTS, SCALAR_FIELDS


class Rows(list):
    """A snapshot's list of rows, read like a related manager (`dossier.projects.all()`)."""

    def all(self):
        return self


def _value(model, path, raw):
    """A snapshot's plain value (a decimal or a date as text) as the field's Python value."""
    field = model._meta.get_field(path)
    if raw is None or (raw == "" and field.null):
        return None
    return field.to_python(raw)


def _row(model, fields, values):
    kwargs, related = {}, {}
    for path, raw in zip(fields, values):
        if "__" in path:  # "organisation__name": the related object, unsaved, with that one field
            name, attribute = path.split("__", 1)
            related[name] = Organisation(**{attribute: raw})
        else:
            kwargs[path] = _value(model, path, raw)
    return model(**kwargs, **related)


class FrozenDossier:
    """The dossier of `revision` as submitted: scalar fields and lists from its snapshot, the host and the
    application's identity from the application. Facts that depend on the day (the years a provincial lab had
    been running) are counted on the day of submission."""

    def __init__(self, revision):
        self.revision = revision
        application = revision.application
        data = revision.snapshot
        scalars = {name: _value(Application, name, data.get(name)) for name in SCALAR_FIELDS if name in data}
        if scalars.get("research_directions") is None:
            scalars["research_directions"] = []
        self.application = application
        self.dossier = Application(pk=application.pk, host=application.host, **scalars)
        for relation, (_label, fields) in LISTS.items():
            model = Application._meta.get_field(relation).related_model
            setattr(self, relation, Rows(_row(model, fields, values) for values in data.get(relation, [])))

    def __getattr__(self, name):  # the snapshot's scalar fields and what derives from them (name_en, displays)
        dossier = self.__dict__.get("dossier")
        if dossier is None:
            raise AttributeError(name)
        return getattr(dossier, name)

    @property
    def submitted_on(self):
        return timezone.localtime(self.revision.submitted_at).date()

    @property
    def reference_year(self):
        """The year the Art. 12 time windows end with: the one the application's call fixes (Art. 12, 13), else the
        year of this submission."""
        application = self.revision.application
        return application.call.reference_year if application.call_id else self.submitted_on.year

    @property
    def provincial_lab_years(self):
        established = self.dossier.provincial_lab_established
        if not established:
            return None
        if isinstance(established, datetime.datetime):
            established = established.date()
        on = self.submitted_on
        years = on.year - established.year - ((on.month, on.day) < (established.month, established.day))
        return max(years, 0)

    @property
    def is_preferred(self):
        years = self.provincial_lab_years
        return bool(self.dossier.provincial_lab_name) and years is not None and years >= 2

    def self_check(self):
        """The Art. 12 self-check of this revision, its time windows ending with its call's reference year."""
        return check_eligibility(self, reference_year=self.reference_year)
