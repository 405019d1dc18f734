"""The notification tables are complete: every transition of every state machine, into every state it can
reach, and every decision a service announces, has a rule or is declared silent with its reason."""

import pytest
from django.apps import apps
from django_fsm import FSMField

from kernel.notifications import Rule, Silent, declared_events, rules_for

# The decisions taken outside a state machine, announced by their services with `notify`.
SERVICE_EVENTS = {
    "reviews.assignment": {"assigned"},  # reviews.services.assign_expert
    "reviews.objection": {"lodged"},  # reviews.services.lodge_objection
    "reviews.publicitynotice": {"scheduled"},  # reviews.services.open_notice, a notice dated ahead (Art. 13)
    "evaluations.extensionrequest": {"filed"},  # evaluations.services.file_extension_request
    "evaluations.changereport": {"filed"},  # evaluations.services.file_change_report
    "evaluations.annualreport": {"filed"},  # evaluations.services.submit_annual_report
    "evaluations.adverseproposal": {"statement"},  # evaluations.services.make_statement
    "evaluations.laboratory": {"in_round"},  # evaluations.services.open_lab_round (Art. 10(3))
    "evaluations.recommenderopinion": {"given", "revised"},  # evaluations.services.give_recommender_opinion
}


def state_machines():
    """(model, FSM field) for every model of the project with a django-fsm state field."""
    return [(model, field) for model in apps.get_models() for field in model._meta.concrete_fields
            if isinstance(field, FSMField)]


def declared_transitions():
    """(model, name, target) for every declared transition and every state it can end in."""
    found = set()
    for model, field in state_machines():
        for transition in field.get_all_transitions(model):
            targets = getattr(transition.target, "allowed_states", None) or [transition.target]
            found.update((model, transition.name, str(target)) for target in targets)
    return sorted(found, key=lambda t: (t[0]._meta.label_lower, t[1], t[2]))


def test_every_state_machine_of_the_project_is_walked():
    labels = {model._meta.label_lower for model, _ in state_machines()}
    assert labels == {
        "applications.application", "applications.call", "evaluations.laboratory", "evaluations.extensionrequest",
        "evaluations.changereport", "reviews.expertcommittee", "reviews.reviewround", "reviews.assignment",
        "reviews.publicitynotice", "reviews.objection",
    }


@pytest.mark.parametrize("model, name, target", declared_transitions(),
                         ids=lambda v: v._meta.label_lower if hasattr(v, "_meta") else str(v))
def test_every_transition_into_every_state_has_a_notification_rule(model, name, target):
    rules = rules_for(model, name)
    assert rules is not None, f"{model._meta.label_lower}.{name}: nobody is told; add a rule or declare it Silent"
    if isinstance(rules, Silent):
        assert rules.reason.strip()
        return
    assert any(not rule.targets or target in rule.targets for rule in rules), (
        f"{model._meta.label_lower}.{name} → {target}: no rule covers this outcome")


@pytest.mark.parametrize("label, name", sorted((label, name) for label, names in SERVICE_EVENTS.items() for name in names))
def test_every_decision_of_a_service_has_a_notification_rule(label, name):
    rules = rules_for(apps.get_model(label), name)
    assert rules and not isinstance(rules, Silent) and all(isinstance(rule, Rule) and rule.to for rule in rules)


def test_no_rule_names_an_event_that_does_not_happen():
    """A renamed transition leaves no stale rule behind."""
    transitions = {(model._meta.label_lower, name) for model, name, _ in declared_transitions()}
    services = {(label, name) for label, names in SERVICE_EVENTS.items() for name in names}
    assert declared_events() - transitions - services == set()
