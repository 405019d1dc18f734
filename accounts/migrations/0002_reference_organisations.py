"""Reference data: SAMR, MIIT and the two provincial recommenders of every province (Art. 10)."""

from django.db import migrations

PROVINCE_NAMES = {
    "11": "北京市",
    "12": "天津市",
    "13": "河北省",
    "14": "山西省",
    "15": "内蒙古自治区",
    "21": "辽宁省",
    "22": "吉林省",
    "23": "黑龙江省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "34": "安徽省",
    "35": "福建省",
    "36": "江西省",
    "37": "山东省",
    "41": "河南省",
    "42": "湖北省",
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "66": "新疆生产建设兵团",
}


def create(apps, schema_editor):
    Organisation = apps.get_model("accounts", "Organisation")
    Organisation.objects.get_or_create(kind="samr", defaults={"name": "国家市场监督管理总局"})
    Organisation.objects.get_or_create(kind="miit", defaults={"name": "工业和信息化部"})
    for code, name in PROVINCE_NAMES.items():
        Organisation.objects.get_or_create(
            kind="provincial_samr", province=code, defaults={"name": f"{name}市场监督管理局"}
        )
        Organisation.objects.get_or_create(
            kind="provincial_miit", province=code, defaults={"name": f"{name}工业和信息化主管部门"}
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
