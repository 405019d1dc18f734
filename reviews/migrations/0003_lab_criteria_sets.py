"""Default criteria for acceptance (Art. 17, 19: the build tasks) and for the comprehensive
evaluation (Art. 26: its four dimensions); weights add up to 100 and are edited in the admin."""

from django.db import migrations

ACCEPTANCE = [
    ("原理创新与质量技术研发", "Art. 17", 25),
    ("标准研制与工具开发", "Art. 17", 25),
    ("人才培养与团队建设", "Art. 17", 20),
    ("质量标准技术服务", "Art. 17", 15),
    ("建设计划目标完成情况与运行管理", "Art. 18", 15),
]
EVALUATION = [
    ("研究水平与能力", "Art. 26", 30),
    ("队伍建设与人才培养", "Art. 26", 25),
    ("开放交流与运行管理", "Art. 26", 20),
    ("质量标准贡献和公益性推广", "Art. 26", 25),
]


def create(apps, schema_editor):
    CriteriaSet = apps.get_model("reviews", "CriteriaSet")
    Criterion = apps.get_model("reviews", "Criterion")
    for purpose, name, rows in (("acceptance", "验收评议指标（第十七至十九条）", ACCEPTANCE),
                                ("evaluation", "综合评价指标（第二十六条）", EVALUATION)):
        if CriteriaSet.objects.filter(purpose=purpose).exists():
            continue
        criteria_set = CriteriaSet.objects.create(name=name, purpose=purpose)
        Criterion.objects.bulk_create(
            Criterion(criteria_set=criteria_set, title=t, article=a, weight=w, order=i) for i, (t, a, w) in enumerate(rows, 1)
        )


class Migration(migrations.Migration):
    dependencies = [("reviews", "0002_default_checklist_and_criteria")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
