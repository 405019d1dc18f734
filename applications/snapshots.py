"""The frozen copy of a dossier (a `Revision`'s snapshot): its scalar fields and the rows of each list."""

from django.utils.translation import gettext_lazy as _

SCALAR_FIELDS = [
    "name_zh", "name_en_subject", "field", "research_directions", "summary", "construction_plan",
    "provincial_lab_name", "provincial_lab_established", "research_space_m2", "instrument_value_cny",
    "precision_statement", "data_capability", "data_storage_tb", "team_statement", "authority_statement",
    "breakthrough_statement", "is_host_priority", "host_commitment",
]

LISTS = {
    "team_members": (_("Team"), ["role", "name", "organisation_name", "title", "posts_held"]),
    "projects": (_("National-level projects"), ["title", "number", "programme", "year", "amount_cny"]),
    "outcome_claims": (_("Outcome evidence"), ["item", "evidence"]),
    "standards": (_("Standards led"), ["number", "title", "level", "year"]),
    "transfers": (_("Technology transfers"), ["title", "year", "amount_cny"]),
    "service_incomes": (_("Quality service income"), ["year", "amount_cny"]),
    "consortium_members": (_("Consortium"), ["organisation__name", "role"]),
    "attachments": (_("Attachments"), ["section", "original_name", "sha256", "size"]),
}

def _plain(value):
    if value is None:
        return ""
    if isinstance(value, (list, dict, bool, int, str)):
        return value
    return str(value)


def snapshot(application):
    data = {name: _plain(getattr(application, name)) for name in SCALAR_FIELDS}
    for relation, (_label, fields) in LISTS.items():
        rows = getattr(application, relation).order_by("pk").values_list(*fields)
        data[relation] = [[_plain(v) for v in row] for row in rows]
    return data
