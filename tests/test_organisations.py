"""Organisations: the reference recommenders of every province (Art. 10) and the host rules (Art. 5, 10)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import HostType, Level, Organisation, OrganisationKind
from accounts.provinces import Province
from tests.factories import CentralHostFactory, CompetentDepartmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # messages in English (their msgids)

PROVINCIAL_KINDS = (OrganisationKind.PROVINCIAL_SAMR, OrganisationKind.PROVINCIAL_MIIT)


def test_every_province_has_exactly_one_provincial_samr_and_one_provincial_miit_art10():
    assert len(Province.values) == 32  # 31 provincial-level divisions and XPCC
    for province in Province.values:
        for kind in PROVINCIAL_KINDS:
            assert Organisation.objects.filter(kind=kind, province=province).count() == 1, (kind, province)
    assert Organisation.objects.filter(kind__in=PROVINCIAL_KINDS).count() == 64
    assert Organisation.objects.filter(kind__in=PROVINCIAL_KINDS, province="").count() == 0


def test_the_two_ministries_exist_once():
    assert Organisation.objects.filter(kind=OrganisationKind.SAMR).count() == 1
    assert Organisation.objects.filter(kind=OrganisationKind.MIIT).count() == 1


def test_reference_provincial_bodies_pass_full_clean_art10():
    for org in Organisation.objects.filter(kind__in=PROVINCIAL_KINDS):
        org.full_clean()


@pytest.mark.parametrize("kind", PROVINCIAL_KINDS)
def test_second_provincial_body_of_the_same_kind_and_province_is_refused_art10(kind):
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            Organisation.objects.create(name="江苏省第二个推荐单位", kind=kind, province="32")
    assert Organisation.objects.filter(kind=kind, province="32").count() == 1


def test_second_provincial_body_is_refused_by_full_clean_art10():
    duplicate = Organisation(name="江苏省第二个市场监管局", kind=OrganisationKind.PROVINCIAL_SAMR, province="32")
    with pytest.raises(ValidationError):
        duplicate.full_clean()


def test_several_hosts_and_departments_may_share_a_province():
    Organisation.objects.create(name="甲研究院", kind=OrganisationKind.HOST, host_type=HostType.RESEARCH_INSTITUTE,
                                level=Level.LOCAL, province="32")
    Organisation.objects.create(name="乙研究院", kind=OrganisationKind.HOST, host_type=HostType.ENTERPRISE,
                                level=Level.LOCAL, province="32")
    assert Organisation.objects.filter(kind=OrganisationKind.HOST, province="32").count() == 2


def test_central_host_without_competent_department_is_refused_by_clean_art10():
    host = Organisation(name="某中央企业", kind=OrganisationKind.HOST, host_type=HostType.ENTERPRISE, level=Level.CENTRAL)
    with pytest.raises(ValidationError) as exc:
        host.clean()
    assert list(exc.value.message_dict) == ["competent_department"]
    assert "Art. 10" in exc.value.message_dict["competent_department"][0]


def test_local_host_without_province_is_refused_by_clean_art10():
    host = Organisation(name="某地方研究院", kind=OrganisationKind.HOST, host_type=HostType.RESEARCH_INSTITUTE,
                        level=Level.LOCAL)
    with pytest.raises(ValidationError) as exc:
        host.clean()
    assert list(exc.value.message_dict) == ["province"]
    assert "Art. 10" in exc.value.message_dict["province"][0]


def test_host_without_level_is_refused_by_clean_art10():
    host = Organisation(name="某大学", kind=OrganisationKind.HOST, host_type=HostType.UNIVERSITY)
    with pytest.raises(ValidationError) as exc:
        host.clean()
    assert list(exc.value.message_dict) == ["level"]


def test_host_without_type_is_refused_by_clean_art5():
    host = Organisation(name="某单位", kind=OrganisationKind.HOST, level=Level.LOCAL, province="32")
    with pytest.raises(ValidationError) as exc:
        host.clean()
    assert list(exc.value.message_dict) == ["host_type"]
    assert "Art. 5" in exc.value.message_dict["host_type"][0]


def test_database_refuses_a_host_that_cannot_be_routed_art10():
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            Organisation.objects.create(name="无法路由的单位", kind=OrganisationKind.HOST,
                                        host_type=HostType.UNIVERSITY, level=Level.CENTRAL)
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            Organisation.objects.create(name="无省份的单位", kind=OrganisationKind.HOST,
                                        host_type=HostType.UNIVERSITY, level=Level.LOCAL, province="")


def test_valid_hosts_pass_clean_art10():
    CentralHostFactory().full_clean()
    local = Organisation(name="苏州某研究院", kind=OrganisationKind.HOST, host_type=HostType.RESEARCH_INSTITUTE,
                         level=Level.LOCAL, province="32")
    local.full_clean()


def test_provincial_body_without_province_is_refused_by_clean():
    body = Organisation(name="无省份的市场监管局", kind=OrganisationKind.PROVINCIAL_MIIT)
    with pytest.raises(ValidationError) as exc:
        body.clean()
    assert list(exc.value.message_dict) == ["province"]


def test_competent_department_needs_no_province():
    CompetentDepartmentFactory().full_clean()
