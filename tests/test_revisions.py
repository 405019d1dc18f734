"""Revisions: each submission freezes the dossier; reviewers see what changed between two of them."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from applications.models import Application, NationalProject, Revision
from applications.revisions import compare, diff
from applications.snapshots import snapshot
from kernel.transitions import run_transition
from tests.factories import applicant_of, complete_dossier, provincial_recommenders

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_revisions():
    app = complete_dossier(research_space_m2=Decimal("3500"))
    applicant = applicant_of(app.host)
    samr, _miit = provincial_recommenders(app.host.province)
    app = run_transition(app, "submit", applicant)
    app = run_transition(app, "return_for_revision", samr, comment="请更新场地面积和项目")
    Application.objects.filter(pk=app.pk).update(research_space_m2=Decimal("4200.50"))
    removed = app.projects.order_by("pk").first()
    removed_title = removed.title
    removed.delete()
    NationalProject.objects.create(application=app, title="新增国家重点研发计划项目", number="2025YFF0100100",
                                   year=2025, amount_cny=Decimal("3000000"))
    app = run_transition(Application.objects.get(pk=app.pk), "submit", applicant)
    first, second = Revision.objects.filter(application=app).order_by("number")
    return app, first, second, removed_title


def test_each_submission_freezes_a_numbered_revision(two_revisions):
    app, first, second, _ = two_revisions
    assert (first.number, second.number) == (1, 2)
    assert first.snapshot["research_space_m2"] == "3500.00"
    assert second.snapshot["research_space_m2"] == "4200.50"
    assert len(first.snapshot["projects"]) == len(second.snapshot["projects"]) == 15
    assert second.submitted_by.organisation_id == app.host_id


def test_diff_shows_a_changed_scalar_by_its_verbose_name(two_revisions):
    _app, first, second, _ = two_revisions
    with translation.override("en"):
        changes = {str(c.label): c for c in diff(first.snapshot, second.snapshot)}
    assert "research space (m²)" in changes
    assert (changes["research space (m²)"].before, changes["research space (m²)"].after) == ("3500.00", "4200.50")


def test_diff_shows_added_and_removed_rows(two_revisions):
    _app, first, second, removed_title = two_revisions
    with translation.override("en"):
        changes = {str(c.label): c for c in diff(first.snapshot, second.snapshot)}
    projects = changes["National-level projects"]
    assert removed_title in projects.before
    assert "新增国家重点研发计划项目" in projects.after
    assert "2025YFF0100100" in projects.after
    assert removed_title not in projects.after


def test_diff_lists_only_what_changed(two_revisions):
    _app, first, second, _ = two_revisions
    with translation.override("en"):
        labels = [str(c.label) for c in diff(first.snapshot, second.snapshot)]
    assert sorted(labels) == sorted(["research space (m²)", "National-level projects"])


def test_identical_snapshots_have_no_diff():
    app = complete_dossier()
    assert diff(snapshot(app), snapshot(app)) == []


def test_edits_after_submission_show_against_the_last_revision(two_revisions):
    app, _first, second, _ = two_revisions
    Application.objects.filter(pk=app.pk).update(summary="提交后又改了")
    current = snapshot(Application.objects.get(pk=app.pk))
    with translation.override("en"):
        changes = {str(c.label): c for c in diff(second.snapshot, current)}
    assert list(changes) == ["summary"]
    assert changes["summary"].after == "提交后又改了"
    assert Revision.objects.get(pk=second.pk).snapshot["summary"] != "提交后又改了"


def test_a_revision_frozen_before_file_sizes_were_recorded_shows_no_change_in_its_files():
    """Snapshots now record each file's size; an older one has no size column, which is no change (the same SHA-256
    is the same file), while a file replaced still shows, with its size."""
    current = snapshot(complete_dossier())
    current["attachments"] = [["facilities", "场地证明.pdf", "a" * 64, 2048], ["team", "名单.pdf", "b" * 64, 4096]]
    older = {**current, "attachments": [["facilities", "场地证明.pdf", "a" * 64], ["team", "名单.pdf", "c" * 64]]}
    with translation.override("en"):
        comparison = compare(older, current)
    [table] = comparison.tables
    [row] = table.rows
    assert row.kind == "changed" and row.cells[1].after == "名单.pdf"
    assert [cell.changed for cell in row.cells] == [False, False, True, False]
    assert row.cells[3].after == "4.0\xa0KB"
    assert diff(older, {**older}) == []


def test_the_revisions_page_reads_only_the_two_frozen_dossiers_it_compares(client, two_revisions):
    """Every revision is listed, but only the two compared are read whole (each may be a long dossier)."""
    app, first, second, removed_title = two_revisions
    third = Revision.objects.create(application=app, number=3, submitted_by=second.submitted_by, snapshot=second.snapshot)
    client.force_login(applicant_of(app.host))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("applications:revisions", args=[app.pk]), {"a": first.number, "b": second.number})
    html = response.content.decode()
    assert response.status_code == 200 and removed_title in html and f'data-revision="{third.number}"' in html
    snapshot_reads = [q["sql"] for q in captured.captured_queries if '"snapshot"' in q["sql"]]
    assert len(snapshot_reads) == 1 and '"number" IN (' in snapshot_reads[0]
