"""`make bench`: the dossier printed as a book (申报书) from a revision of about 50 pages. Prints the render time (wall
and CPU: on a shared machine the CPU time is the steadier figure), the page count, and the time to stamp an expert's
copy on it; the target (≤ 3 s) is read from the output, never asserted on a clock. The page count is asserted, so
that the bench keeps measuring a book of the size it claims."""

import io
import os
import time
from decimal import Decimal

import pytest
from pypdf import PdfReader

from applications.choices import AttachmentSection, StandardLevel, TeamRole
from applications.dossier_book import render_book, watermarked
from applications.models import Attachment, NationalProject, StandardLed, TeamMember, TechnologyTransfer
from tests.factories import complete_dossier, expert, new_journey

STATEMENT = ("依托单位围绕产业基础领域质量标准瓶颈问题，组织开展基础研究、共性技术攻关与标准研制，"
             "在人员力量、资源配置、运行机制、科研场地、仪器设备、后勤服务等方面提供必要保障。") * 12


def big_revision():
    """A dossier with the tables of a large host: 60 people, 220 projects, 120 standards, 120 transfers and 60
    attachments, long statements; submitted, so frozen as revision 1."""
    app = complete_dossier(summary=STATEMENT, construction_plan=STATEMENT * 2, precision_statement=STATEMENT,
                           data_capability=STATEMENT, team_statement=STATEMENT, authority_statement=STATEMENT,
                           breakthrough_statement=STATEMENT, host_commitment=STATEMENT)
    roles = [TeamRole.COMMITTEE_MEMBER, TeamRole.CORE_MEMBER]
    TeamMember.objects.bulk_create(
        TeamMember(application=app, role=roles[i % 2], name=f"研究人员{i}", organisation_name=f"某某大学{i % 7}",
                   title="研究员", posts_held="全国标准化技术委员会委员") for i in range(60))
    NationalProject.objects.bulk_create(
        NationalProject(application=app, title=f"国家重点研发计划“国家质量基础设施体系”专项项目{i}", number=f"2023YFF{i:07d}",
                        programme="国家重点研发计划", year=2022 + i % 4, amount_cny=Decimal("2500000")) for i in range(220))
    StandardLed.objects.bulk_create(
        StandardLed(application=app, number=f"GB/T {30000 + i}-2024", title=f"工业机器人 性能规范及其试验方法 第{i}部分",
                    level=StandardLevel.NATIONAL, year=2024) for i in range(120))
    TechnologyTransfer.objects.bulk_create(
        TechnologyTransfer(application=app, title=f"高精度力矩传感器校准技术成果转化{i}", year=2025, amount_cny=Decimal("800000"))
        for i in range(120))
    applicant = new_journey().cast.applicant(app.host)
    Attachment.objects.bulk_create(
        Attachment(application=app, section=AttachmentSection.OUTCOMES, file=f"private/applications/{app.pk}/{i:032x}",
                   original_name=f"成果证明材料{i}.pdf", content_type="application/pdf", size=123_456 + i,
                   sha256=f"{i:064x}", uploaded_by=applicant) for i in range(60))
    app = new_journey().submitted(app, by=applicant)
    return app.revisions.get()


@pytest.mark.django_db
def test_render_a_50_page_dossier():
    revision = big_revision()
    render_book(revision)  # the fonts loaded once, as in a worker that has rendered before
    wall, cpu = time.perf_counter(), time.process_time()
    book = render_book(revision)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    pages = len(PdfReader(io.BytesIO(book)).pages)
    print(f"\ndossier book of {pages} pages: {wall:.2f} s ({cpu:.2f} s of CPU; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs), {len(book) / 1e6:.1f} MB (target ≤ 3 s)")
    started = time.perf_counter()
    copy = watermarked(book, expert(full_name="王评审"))
    print(f"an expert's copy stamped on it: {time.perf_counter() - started:.2f} s, {len(copy) / 1e6:.1f} MB")
    assert 45 <= pages <= 60, pages
    assert len(PdfReader(io.BytesIO(copy)).pages) == pages
