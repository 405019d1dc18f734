"""The dossier's nested rows (team, projects, outcomes, standards, transfers, income, consortium) and
`save_dossier`, which saves the scalars and replaces the given lists, every row through `full_clean()`."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from accounts.models import Organisation
from kernel.api_views import ChoiceLabelField, named_choice_field

from ..choices import StandardLevel
from ..models import (
    Application,
    ConsortiumMember,
    NationalProject,
    OutcomeClaim,
    ServiceIncome,
    StandardLed,
    TeamMember,
    TechnologyTransfer,
)
from .common import field_errors


class _RowSerializer(serializers.ModelSerializer):
    """A dossier row: validated again by the model's full_clean() when saved."""

    class Meta:
        validators = []  # the model's constraints are checked by full_clean() on save


class TeamMemberSerializer(_RowSerializer):
    role_display = ChoiceLabelField(source="role")

    class Meta(_RowSerializer.Meta):
        model = TeamMember
        fields = ["id", "role", "role_display", "name", "organisation_name", "title", "posts_held"]


class NationalProjectSerializer(_RowSerializer):
    class Meta(_RowSerializer.Meta):
        model = NationalProject
        fields = ["id", "title", "number", "programme", "year", "amount_cny"]


class OutcomeClaimSerializer(_RowSerializer):
    item = named_choice_field("OutcomeItemEnum", OutcomeClaim.Item.choices)
    item_display = ChoiceLabelField(source="item")

    class Meta(_RowSerializer.Meta):
        model = OutcomeClaim
        fields = ["id", "item", "item_display", "evidence"]


class StandardLedSerializer(_RowSerializer):
    level = named_choice_field("StandardLevelEnum", StandardLevel.choices)
    level_display = ChoiceLabelField(source="level")

    class Meta(_RowSerializer.Meta):
        model = StandardLed
        fields = ["id", "number", "title", "level", "level_display", "year"]


class TechnologyTransferSerializer(_RowSerializer):
    class Meta(_RowSerializer.Meta):
        model = TechnologyTransfer
        fields = ["id", "title", "year", "amount_cny"]


class ServiceIncomeSerializer(_RowSerializer):
    class Meta(_RowSerializer.Meta):
        model = ServiceIncome
        fields = ["id", "year", "amount_cny"]


class ConsortiumMemberSerializer(_RowSerializer):
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta(_RowSerializer.Meta):
        model = ConsortiumMember
        fields = ["id", "organisation", "organisation_name", "role"]


NESTED_LISTS = {
    "team_members": (TeamMember, TeamMemberSerializer),
    "projects": (NationalProject, NationalProjectSerializer),
    "outcome_claims": (OutcomeClaim, OutcomeClaimSerializer),
    "standards": (StandardLed, StandardLedSerializer),
    "transfers": (TechnologyTransfer, TechnologyTransferSerializer),
    "service_incomes": (ServiceIncome, ServiceIncomeSerializer),
    "consortium_members": (ConsortiumMember, ConsortiumMemberSerializer),
}

DOSSIER_FIELDS = [
    "name_zh", "name_en_subject", "field", "research_directions", "summary", "construction_plan",
    "provincial_lab_name", "provincial_lab_established", "research_space_m2", "instrument_value_cny",
    "precision_statement", "data_capability", "data_storage_tb", "team_statement", "authority_statement",
    "breakthrough_statement", "is_host_priority", "host_commitment",
]


def save_dossier(application, validated_data, lists):
    """Save scalars and replace the given nested lists, every row through full_clean().

    Must run inside `transaction.atomic()`: on any error it raises a DRF ValidationError shaped as DRF
    shapes nested-list errors, by row index ({"projects": {"1": {"year": [...]}}}), and the caller's
    transaction rolls back.
    """
    for name, value in validated_data.items():
        setattr(application, name, value)
    errors = {}
    try:
        application.full_clean(exclude=["status"])  # protected FSM field: never set, not even by clean_fields()
    except DjangoValidationError as exc:
        errors.update(field_errors(exc, Application))
    if errors and application.pk is None:
        raise ValidationError(errors)
    if not errors:
        application.save()
    for relation, rows in lists.items():
        model = NESTED_LISTS[relation][0]
        model.objects.filter(application=application).delete()
        row_errors = {}
        for index, data in enumerate(rows):
            row = model(application=application, **data)
            try:
                row.full_clean()
            except DjangoValidationError as exc:
                row_errors[index] = field_errors(exc, model)
                continue
            row.save()
        if row_errors:
            errors[relation] = row_errors
    if errors:
        raise ValidationError(errors)
    for relation in lists:
        getattr(application, "_prefetched_objects_cache", {}).pop(relation, None)
    return application
