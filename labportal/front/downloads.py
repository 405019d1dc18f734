"""Templates to download from the public pages, generated from the portal's own definitions so that they
say what the portal asks for: the dossier's outline (its sections, fields and tables), the Art. 12
self-check list (the thresholds the eligibility check computes with) and a printable objection form
(the real-name details the objection form requires). Small fixed documents: rendered on first request
per language and kept in the cache."""

from dataclasses import dataclass

from django.core.cache import cache
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from applications import eligibility
from applications.choices import AttachmentSection
from applications.forms import SECTIONS, OutcomeEvidenceForm
from applications.models import OutcomeClaim
from kernel.pdf import render_pdf
from reviews.models import Objection
from reviews.public_forms import ObjectionForm

CACHE_SECONDS = 3600


@dataclass(frozen=True)
class Document:
    slug: str
    title: str
    description: str
    template: str
    build: callable

    def filename(self):
        return f"{self.title}.pdf"


def _fields(form_class):
    return [(capfirst(f.label), f.help_text) for f in form_class.base_fields.values()]


def dossier_outline():
    """The dossier's sections as the portal's editor shows them, with their fields, tables and articles."""
    sections = []
    for section in SECTIONS.values():
        entry = {"title": section.title, "article": section.article, "fields": [], "tables": [], "items": []}
        if section.form is OutcomeEvidenceForm:
            entry["items"] = [f"{value}. {label}" for value, label in OutcomeClaim.Item.choices]
        elif section.form is not None:
            entry["fields"] = _fields(section.form)
        for _prefix, _relation, title, formset_class in section.formsets:
            columns = [capfirst(f.label) for name, f in formset_class.form.base_fields.items() if name not in ("id", "DELETE")]
            entry["tables"].append({"title": title, "columns": columns})
        if section.slug == "attachments":
            entry["items"] = [label for _value, label in AttachmentSection.choices]
        sections.append(entry)
    return {"sections": sections}


def eligibility_checklist():
    """The Art. 12 conditions with the thresholds `applications.eligibility` computes with."""
    wan = lambda cny: f"{cny / 10000:,.0f}"  # noqa: E731
    lines = [
        ("Art. 12 (1)", _("Research space in principle at least %(m2)s m², relatively concentrated")
         % {"m2": f"{eligibility.MIN_SPACE_M2:,}"}, True),
        ("Art. 12 (1)", _("Current value of instruments in principle at least %(wan)s 万元")
         % {"wan": wan(eligibility.MIN_INSTRUMENTS_CNY)}, True),
        ("Art. 12 (1)", _("Measurement precision at the domestic advanced level; data analysis capability and storage"), False),
        ("Art. 12 (2)", _("An academic committee of senior experts; an academic leader holding posts in domestic or "
                          "international bodies; a stable core team"), False),
        ("Art. 12 (3) 1", _("In the last %(years)s years at least %(n)s national-level projects, or at least %(wan)s 万元 "
                            "of project funding") % {"years": eligibility.PROJECT_WINDOW_YEARS,
                                                    "n": eligibility.MIN_NATIONAL_PROJECTS,
                                                    "wan": wan(eligibility.MIN_PROJECT_FUNDING_CNY)}, False),
        ("Art. 12 (3) 2-3", _("Authority in the field; breakthroughs on bottleneck problems"), False),
        ("Art. 12 (4)", _("At least %(n)s of the following 5 kinds of outcome:") % {"n": eligibility.MIN_OUTCOME_ITEMS}, False),
    ]
    outcomes = [f"{value}. {label}" for value, label in OutcomeClaim.Item.choices]
    return {
        "lines": lines,
        "outcomes": outcomes,
        "outcome_numbers": _("Item 3 counts with at least %(standards)s standards or test methods led in the last "
                             "%(years)s years; item 4 with at least %(transfers)s technology transfers or %(wan)s 万元 of "
                             "quality service income in the last %(years)s years.") % {
            "standards": eligibility.MIN_STANDARDS_LED, "transfers": eligibility.MIN_TRANSFERS,
            "wan": wan(eligibility.MIN_SERVICE_INCOME_CNY), "years": eligibility.OUTCOME_WINDOW_YEARS},
        "support": _("The laboratory's direction is one of the host's priorities; the host and the recommender commit "
                     "organisation, people, funds and resources (Art. 12 (5))"),
    }


def objection_form():
    """The real-name details the online objection form asks for, to print, sign or seal, and scan."""
    labels = {name: capfirst(field.label) for name, field in ObjectionForm.base_fields.items()}
    model = Objection._meta
    return {
        "person": [labels["name"], labels["id_number"]],
        "organisation": [labels["organisation_name"], labels["credit_code"], labels["legal_representative"]],
        "common": [labels["contact"], capfirst(model.get_field("notice").verbose_name), labels["application"]],
        "grounds": labels["grounds"],
        "declaration": ObjectionForm.base_fields["declaration"].label,
    }


DOCUMENTS = {
    d.slug: d for d in (
        Document("dossier-outline", gettext_lazy("Outline of the application dossier"),
                 gettext_lazy("The sections, fields and tables of the online dossier, to prepare its content "
                              "(Art. 11-13)."),
                 "pdf/front/dossier_outline.html", dossier_outline),
        Document("eligibility-checklist", gettext_lazy("Art. 12 eligibility self-check list"),
                 gettext_lazy("The conditions of Art. 12 with the thresholds the portal checks, to tick before "
                              "applying."),
                 "pdf/front/eligibility_checklist.html", eligibility_checklist),
        Document("objection-form", gettext_lazy("Objection form"),
                 gettext_lazy("A printable form for a real-name objection during publicity: an organisation seals "
                              "it and uploads the scan with its objection (Art. 13)."),
                 "pdf/front/objection_form.html", objection_form),
    )
}


def render(document):
    """The document's PDF in the current language (cached)."""
    language = get_language() or "zh-hans"
    key = f"front-download:{document.slug}:{language}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = render_pdf(document.template, {"document": document, **document.build()}, language=language)
        cache.set(key, pdf, CACHE_SECONDS)
    return pdf
