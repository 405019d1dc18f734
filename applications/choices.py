"""Fixed vocabularies of the Measures: Art. 3 research directions, Art. 4 fields, Art. 10 dimensions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Field(models.TextChoices):
    """Art. 4: the industrial-base fields and the key fields."""

    CORE_COMPONENTS = "core_components", _("Core basic components (核心基础零部件)")
    CORE_ELECTRONIC_COMPONENTS = "core_electronic_components", _("Core basic electronic components (核心基础元器件)")
    KEY_SOFTWARE = "key_software", _("Key basic software (关键基础软件)")
    KEY_MATERIALS = "key_materials", _("Key basic materials (关键基础材料)")
    ADVANCED_PROCESSES = "advanced_processes", _("Advanced basic processes (先进基础工艺)")
    INDUSTRIAL_TECHNOLOGY_BASE = "industrial_technology_base", _("Industrial technology base (产业技术基础)")
    HIGH_END_MANUFACTURING = "high_end_manufacturing", _("High-end manufacturing (高端制造)")
    NEW_MATERIALS = "new_materials", _("New materials (新材料)")
    INFORMATION_TECHNOLOGY = "information_technology", _("Information technology (信息技术)")
    BIOMEDICINE = "biomedicine", _("Biomedicine (生物医药)")


INDUSTRIAL_BASE_FIELDS = {
    Field.CORE_COMPONENTS,
    Field.CORE_ELECTRONIC_COMPONENTS,
    Field.KEY_SOFTWARE,
    Field.KEY_MATERIALS,
    Field.ADVANCED_PROCESSES,
    Field.INDUSTRIAL_TECHNOLOGY_BASE,
}


class ResearchDirection(models.TextChoices):
    """Art. 3: what a lab works on."""

    PRODUCT_DESIGN = "product_design", _("Product design")
    PRODUCTION_CONTROL = "production_control", _("Production control")
    TESTING = "testing", _("Testing and trials")
    MANAGEMENT_SYSTEMS = "management_systems", _("Management systems")
    BASIC_RESEARCH = "basic_research", _("Basic and applied research on quality and standards")
    COMMON_TECHNOLOGY = "common_technology", _("Common quality technologies")
    STANDARDS = "standards", _("Advanced quality standards and test methods")
    METROLOGY = "metrology", _("High-end measurement standards")
    INSTRUMENTS = "instruments", _("Test instruments, equipment and facilities")
    QUALITY_GOVERNANCE = "quality_governance", _("Quality innovation, safety risk control and governance")
    TALENT = "talent", _("Leading talent in quality and standards")
    TRANSFER = "transfer", _("Transfer of research results")


class ReviewDimension(models.TextChoices):
    """Art. 10 (2): what a recommender checks in the dossier."""

    SCIENTIFIC = "scientific", _("Scientific soundness (科学性)")
    SYSTEMATIC = "systematic", _("Systematic nature (系统性)")
    COMPLETENESS = "completeness", _("Completeness (完整性)")
    AUTHENTICITY = "authenticity", _("Authenticity (真实性)")
    ACCURACY = "accuracy", _("Accuracy (准确性)")
    LEGALITY = "legality", _("Legality (合法性)")


class DimensionVerdict(models.TextChoices):
    MEETS = "meets", _("Meets the requirement")
    NEEDS_REVISION = "needs_revision", _("Needs revision")
    FAILS = "fails", _("Does not meet the requirement")


class StandardLevel(models.TextChoices):
    """Art. 12 (4) 3: standards and published test methods that count."""

    NATIONAL = "national", _("National standard")
    INDUSTRY = "industry", _("Industry standard")
    TEST_METHOD = "test_method", _("Test method published by a department announcement")


class TeamRole(models.TextChoices):
    DIRECTOR = "director", _("Lab director (Art. 14)")
    COMMITTEE_CHAIR = "committee_chair", _("Academic committee chair (Art. 15)")
    COMMITTEE_MEMBER = "committee_member", _("Academic committee member")
    LEADER = "leader", _("Academic leader")
    CORE_MEMBER = "core_member", _("Core team member")


class AttachmentSection(models.TextChoices):
    GENERAL = "general", _("General")
    FACILITIES = "facilities", _("Facilities")
    TEAM = "team", _("Team")
    RESEARCH = "research", _("Research capability")
    OUTCOMES = "outcomes", _("Outcomes")
    SUPPORT = "support", _("Support measures")


class OutcomeItem(models.IntegerChoices):
    """Art. 12 (4): the five outcome items a host gives evidence for."""

    ORIGINAL_RESULTS = 1, _("Internationally influential systematic original results")
    MAJOR_PROBLEMS = 2, _("Innovation on major national quality problems")
    LEADING_RESULTS = 3, _("Internationally leading results, or ≥ 5 standards led in 3 years")
    TRANSFERS = 4, _("≥ 15 technology transfers in 3 years, or ≥ 30 million CNY of quality services")
    DATA = 5, _("Rich quality-standards data")
