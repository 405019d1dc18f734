"""The public directory of laboratories (`directory:`, no login): labs in construction or operation only
(terminated ones, Art. 19, and delisted ones, Art. 25/27, leave it but stay in the staff records), its
search and filters kept across pages, the "excellent" mark of the latest evaluation (Art. 27-28), public
facts only on the detail page, and bounded queries."""

import functools
import io
import re

import pypdf
import pytest
from django.urls import reverse
from django.utils.html import escape

from applications.choices import Field, ResearchDirection
from evaluations import views_directory
from evaluations.models import EvaluationResult, Laboratory, LabStatus
from kernel.transitions import run_transition
from tests.factories import LocalHostFactory, applicant_of, prepared, with_consortium_member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("client_en")]  # requests in English

DIRECTORY = reverse("directory:list")


def page(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def listed(client, **params):
    """The Chinese names of the labs on the directory page for these GET parameters."""
    response = client.get(DIRECTORY, params)
    page(response)
    return {lab.name_zh for lab in response.context["page_obj"]}


def row_of(html, lab):
    """The HTML of the directory row showing `lab`."""
    rows = [r for r in html.split('data-testid="directory-row"')[1:] if lab.name_zh in r]
    assert len(rows) == 1, f"{lab.name_zh} is in {len(rows)} rows"
    return rows[0].split("</tr>")[0]


def detail_url(lab):
    return reverse("directory:detail", args=[lab.pk])


def named(journey, subject_zh, subject_en, **kw):
    """A lab approved 24 months ago (so acceptance is open) with a recognisable name."""
    return journey.approved(months_ago=24, name_zh=f"{subject_zh}国家质量标准实验室", name_en_subject=subject_en, **kw)


# --- who is in the directory ---------------------------------------------------------------------


def test_anonymous_visitors_read_the_directory_without_logging_in(client, journey):
    lab = journey.approved()
    html = page(client.get(DIRECTORY))
    assert lab.name_zh in html and escape(lab.name_en) in html and lab.host.name in html
    assert detail_url(lab) in html
    assert lab.name_zh in page(client.get(detail_url(lab)))
    assert 'data-testid="directory-link"' in html  # the navigation offers it to everyone


def test_terminated_lab_leaves_the_directory_but_stays_in_staff_lists_art19(client, journey):
    building = journey.lab_in(LabStatus.CONSTRUCTION)
    terminated = journey.lab_in(LabStatus.TERMINATED)  # failed acceptance (Art. 19)
    assert terminated.status == LabStatus.TERMINATED

    assert listed(client) == {building.name_zh}
    assert terminated.name_zh not in listed(client, status=LabStatus.TERMINATED)  # not reachable by a crafted filter
    assert terminated.name_zh not in listed(client, q=terminated.name_zh)
    assert client.get(detail_url(terminated)).status_code == 404

    client.force_login(journey.staff)
    staff_list = page(client.get(reverse("labs:list")))
    assert terminated.name_zh in staff_list and building.name_zh in staff_list
    assert page(client.get(terminated.get_absolute_url()))


def test_lab_unqualified_twice_is_delisted_and_leaves_the_directory_but_stays_in_staff_lists_art27(client, journey):
    operating = journey.lab_in(LabStatus.OPERATING)
    rectifying = journey.lab_in(LabStatus.EVALUATION_RECTIFYING)  # unqualified once: still listed (Art. 27)
    delisted = journey.lab_in(LabStatus.DELISTED)  # unqualified again after rectification
    assert delisted.status == LabStatus.DELISTED

    assert listed(client) == {operating.name_zh, rectifying.name_zh}
    assert client.get(detail_url(delisted)).status_code == 404
    assert client.get(detail_url(rectifying)).status_code == 200

    client.force_login(journey.staff)
    assert delisted.name_zh in page(client.get(reverse("labs:list")))


def everywhere_public(client, capture, lab):
    """Where `lab` appears to the public: the directory, the approved list page, its PDF (as a worker prepares it:
    `capture` runs it), the API and the decisions."""
    _, pdf = prepared(client, capture, reverse("public:approved_pdf"))
    pdf_text = "".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    api = client.get("/api/public/approved/").json()["results"]
    decisions = client.get(reverse("directory:decisions")).content.decode()
    return {
        "directory": lab.name_zh in listed(client),
        "approved page": lab.name_zh in client.get(reverse("public:approved")).content.decode(),
        "approved pdf": lab.name_zh in pdf_text,
        "api": lab.name_zh in {row["name_zh"] for row in api},
        "decisions": lab.name_zh in decisions,
    }


def test_lab_removed_for_misconduct_leaves_every_public_list_at_once_when_both_sign_art25(
        client, journey, django_capture_on_commit_callbacks):
    lab = journey.lab_in(LabStatus.OPERATING)
    lab = run_transition(lab, "propose_delisting", journey.staff, comment="提供虚假材料")
    lab = journey.statement(lab)
    lab = run_transition(lab, "sign_delisting", journey.staff, comment="同意")
    on_the_list = {"directory": True, "approved page": True, "approved pdf": True, "api": True, "decisions": False}
    public = functools.partial(everywhere_public, client, django_capture_on_commit_callbacks)
    assert public(lab) == on_the_list  # proposed and signed once: nothing decided yet

    run_transition(lab, "sign_delisting", journey.miit, comment="同意")
    assert Laboratory.objects.get(pk=lab.pk).status == LabStatus.DELISTED
    assert public(lab) == {name: not shown for name, shown in on_the_list.items()}
    assert client.get(detail_url(lab)).status_code == 404
    announcement = client.get(reverse("directory:decisions")).content.decode()
    assert "提供虚假材料" in announcement  # the reason is announced; the host's statement is not
    assert "实验室对拟作出的决定陈述如下" not in announcement


def test_unknown_lab_is_404(client):
    assert client.get(reverse("directory:detail", args=[987654])).status_code == 404


# --- search and filters --------------------------------------------------------------------------


def test_search_covers_chinese_name_english_part_and_host_name(client, journey):
    robots = named(journey, "工业机器人质量", "Industrial Robots", host=LocalHostFactory(name="江苏省机器人研究院"))
    chips = named(journey, "集成电路可靠性", "Integrated Circuit Reliability", host=LocalHostFactory(name="上海微电子研究所"))

    assert listed(client, q="机器人质量") == {robots.name_zh}
    assert listed(client, q="circuit reliab") == {chips.name_zh}  # English ×× part, any case
    assert listed(client, q="State Quality & Standards Laboratory of Industrial Robots") == {robots.name_zh}
    assert listed(client, q="微电子") == {chips.name_zh}  # host name
    assert listed(client, q="国家质量标准实验室") == {robots.name_zh, chips.name_zh}
    assert listed(client, q="不存在的名称") == set()
    assert "No laboratories match." in page(client.get(DIRECTORY, {"q": "不存在的名称"}))


def test_filters_by_stage_status_field_and_province(client, journey):
    building = named(journey, "新能源电池", "Batteries", field=Field.NEW_MATERIALS,
                     host=LocalHostFactory(province="44"))
    reviewing = journey.lab_in(LabStatus.ACCEPTANCE_REVIEW, named(journey, "工业软件", "Industrial Software",
                                                               field=Field.KEY_SOFTWARE))
    operating = journey.lab_in(LabStatus.OPERATING, named(journey, "高端数控机床", "Machine Tools",
                                                        field=Field.HIGH_END_MANUFACTURING))

    assert listed(client, stage="construction") == {building.name_zh, reviewing.name_zh}
    assert listed(client, stage="operation") == {operating.name_zh}
    assert listed(client, status=LabStatus.ACCEPTANCE_REVIEW) == {reviewing.name_zh}
    assert listed(client, field=Field.NEW_MATERIALS) == {building.name_zh}
    assert listed(client, province="44") == {building.name_zh}
    assert listed(client, province="32") == {reviewing.name_zh, operating.name_zh}
    assert listed(client, stage="construction", field=Field.KEY_SOFTWARE) == {reviewing.name_zh}
    assert listed(client, stage="operation", province="44") == set()

    html = page(client.get(DIRECTORY))
    for name in ("q", "stage", "status", "field", "province", "excellent", "sort"):
        assert re.search(rf'<label[^>]+for="id_{name}"', html), f"{name} has no label"
    assert 'method="get"' in html


def test_filters_are_kept_across_pages(client, journey, monkeypatch):
    monkeypatch.setattr(views_directory, "PAGE_SIZE", 2)
    chosen = [named(journey, f"精密仪器{i}", f"Precision Instruments {i}", field=Field.KEY_MATERIALS) for i in range(3)]
    other = named(journey, "生物医药", "Biomedicine", field=Field.BIOMEDICINE)

    response = client.get(DIRECTORY, {"field": Field.KEY_MATERIALS, "sort": "name"})
    html = page(response)
    assert response.context["page_obj"].paginator.count == 3
    assert f"field={Field.KEY_MATERIALS}&amp;sort=name&amp;page=2" in html

    second = client.get(DIRECTORY, {"field": Field.KEY_MATERIALS, "sort": "name", "page": 2})
    names = [lab.name_zh for lab in second.context["page_obj"]]
    assert names == [sorted(lab.name_zh for lab in chosen)[2]]
    assert other.name_zh not in page(second)
    assert 'selected>Key basic materials' in page(second)  # the form shows the filter in force


def test_sorted_by_name_or_by_approval_date(client, journey):
    older = named(journey, "乙材料", "Materials B")
    newer = journey.approved(months_ago=3, name_zh="甲材料国家质量标准实验室", name_en_subject="Materials A")
    assert older.approved_on < newer.approved_on

    def order(**params):
        return [lab.pk for lab in client.get(DIRECTORY, params).context["page_obj"]]

    assert order(sort="newest") == [newer.pk, older.pk]
    assert order(sort="oldest") == [older.pk, newer.pk]
    assert order() == [newer.pk, older.pk]  # by name in pinyin order: 甲 (jiǎ) before 乙 (yǐ), unlike their code points


# --- the excellent mark (Art. 27-28) -------------------------------------------------------------


def test_excellent_mark_only_for_a_latest_result_of_excellent_art27(client, journey):
    excellent = journey.evaluation_result(journey.operating(), EvaluationResult.EXCELLENT)
    qualified = journey.evaluation_result(journey.operating(), EvaluationResult.QUALIFIED)
    was_excellent = journey.evaluation_result(journey.operating(), EvaluationResult.EXCELLENT)
    was_excellent = journey.evaluation_result(was_excellent, EvaluationResult.QUALIFIED)  # the latest result counts
    building = journey.approved()
    assert (excellent.latest_result, was_excellent.latest_result) == (EvaluationResult.EXCELLENT, EvaluationResult.QUALIFIED)

    html = page(client.get(DIRECTORY))
    assert 'data-testid="excellent-mark"' in row_of(html, excellent)
    for lab in (qualified, was_excellent, building):
        assert 'data-testid="excellent-mark"' not in row_of(html, lab)

    assert listed(client, excellent="on") == {excellent.name_zh}
    detail = page(client.get(detail_url(excellent)))
    assert 'data-testid="excellent-mark"' in detail and "Excellent (优秀)" in detail
    assert 'data-testid="excellent-mark"' not in page(client.get(detail_url(was_excellent)))


# --- the detail page: public facts only ----------------------------------------------------------


def test_detail_shows_the_public_facts_of_the_lab(client, journey):
    member = LocalHostFactory(name="南京理工大学")
    lab = named(journey, "智能传感器", "Smart Sensors", field=Field.CORE_ELECTRONIC_COMPONENTS,
                research_directions=[ResearchDirection.TESTING, ResearchDirection.STANDARDS])
    with_consortium_member(lab.application, member)
    lab = journey.lab_in(LabStatus.OPERATING, lab)

    html = page(client.get(detail_url(lab)))
    for text in (lab.name_zh, "State Quality &amp; Standards Laboratory of Smart Sensors", lab.host.name, member.name,
                 "Core basic electronic components", "Testing and trials", "Jiangsu", "In operation",
                 lab.construction_start.isoformat(), lab.operation_started_on.isoformat(), "Not evaluated yet"):
        assert text in html, text


def test_detail_leaks_no_people_contacts_or_internal_comments(client, journey):
    lab = journey.lab_in(LabStatus.OPERATING)
    Laboratory.objects.filter(pk=lab.pk).update(staff_summary="固定研究人员42人", research_units="可靠性研究室")
    lab = journey.evaluation_result(lab, EvaluationResult.EXCELLENT, opinion="内部评估意见：数据平台尚需加强")
    host_user = applicant_of(lab.host, phone="13800138000", email="director@host.example.cn")

    html = page(client.get(detail_url(lab)))
    listing = page(client.get(DIRECTORY))
    private = [lab.director_name, lab.committee_chair_name, "固定研究人员42人", "可靠性研究室", host_user.phone,
               host_user.email, host_user.full_name, "内部评估意见", "专家组验收意见", "建设任务全部完成"]
    assert lab.director_name and lab.committee_chair_name
    for text in private:
        assert text not in html, text
        assert text not in listing, text
    assert reverse("labs:detail", args=[lab.pk]) not in html  # no link into the records


# --- queries -------------------------------------------------------------------------------------


def test_directory_queries_do_not_grow_with_the_number_of_labs(client, journey, django_assert_max_num_queries):
    for _ in range(2):
        journey.approved()
    with django_assert_max_num_queries(3):
        page(client.get(DIRECTORY, {"stage": "construction", "q": "实验室"}))
    for _ in range(5):
        journey.approved()
    with django_assert_max_num_queries(3) as captured:
        response = client.get(DIRECTORY, {"stage": "construction", "q": "实验室"})
    assert len(response.context["page_obj"]) == 7, captured


def test_unqualified_evaluation_is_announced_with_the_decisions_a_qualified_one_is_not_art27(client, journey):
    unqualified = journey.evaluation_result(journey.lab_in(LabStatus.OPERATING), EvaluationResult.UNQUALIFIED)
    qualified = journey.evaluation_result(journey.lab_in(LabStatus.OPERATING), EvaluationResult.QUALIFIED)
    removed = journey.delist(journey.lab_in(LabStatus.OPERATING), "提供虚假材料")
    response = client.get(reverse("directory:decisions"))
    html = response.content.decode()
    assert f"Announcement on the unqualified comprehensive evaluation of {unqualified.name_zh}" in html
    assert f"Announcement on removing {removed.name_zh} from the list" in html
    assert qualified.name_zh not in html
    assert [kind for kind, _record in response.context["announcements"]].count("evaluation") == 1
    assert unqualified.name_zh in listed(client)  # still on the list while it rectifies
