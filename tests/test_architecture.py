"""The code's shape: the state-machine drawings in docs/architecture.md are the code's own, and the apps
reach the ones above them only through what those register (signals, hooks, subjects)."""

import subprocess
import sys

import pytest
from django.conf import settings

from applications.hooks import hooks
from applications.models import Application
from applications.signals import approved
from kernel.diagrams import DOCUMENT, document_with_drawing, drawing
from reviews.models import CriteriaSet, PublicityNotice
from reviews.subjects import NOTICE_SUBJECTS, ROUND_PURPOSES, decision_choices


def test_state_machine_drawings_in_the_architecture_document_are_current():
    text = DOCUMENT.read_text(encoding="utf-8")
    assert document_with_drawing(text) == text, "run `manage.py state_diagrams --write`"


def test_drawing_shows_every_transition_with_its_article():
    picture = drawing()
    assert "  publicity: conclude_publicity → awaiting_approval | rejected (Art. 13 internal)" in picture
    assert "sign_delisting → delisting_proposed | delisted (Art. 25, 27)" in picture  # one ministry's signature leaves it proposed
    assert "  awaiting_approval: approve → approved | awaiting_approval (Art. 7)" in picture


def test_upward_needs_are_registered_when_the_portal_loads():
    assert hooks.record_formal_review is not None and hooks.expert_visible is not None
    assert approved.has_listeners(Application)  # the laboratory app creates the lab (Art. 18)
    assert set(ROUND_PURPOSES) == set(CriteriaSet.Purpose.values)
    assert [value for value, _label in decision_choices()] == [
        "advance", "reject", "pass", "rectify", "fail", "excellent", "qualified", "unqualified"]
    assert set(NOTICE_SUBJECTS) == set(PublicityNotice.Subject.values)


@pytest.mark.parametrize("command", [["lint-imports", "--no-cache"], ["ruff", "check", "."]])
def test_layers_and_lint_hold(command):
    """The same checks `make test` runs first; here so that a plain `pytest` catches an upward import too."""
    result = subprocess.run([f"{sys.prefix}/bin/{command[0]}", *command[1:]], cwd=settings.BASE_DIR,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
