"""Defaults the coordination office can edit in the admin: the formal-review checklist and an
application criteria set after the Art. 12 conditions (weights add up to 100)."""

from django.db import migrations

CHECKS = [
    "申报书各部分填写完整，签章齐全",
    "依托单位类型、级别与推荐渠道相符（第十条）",
    "推荐单位推荐意见完整",
    "实验室名称符合“××国家质量标准实验室”规范（第三十一条）",
    "第十二条所列条件的证明材料齐全",
    "联合体成员协议及分工明确（如有）",
]

CRITERIA = [
    ("设施条件", "Art. 12 (1)", 20),
    ("学术团队", "Art. 12 (2)", 20),
    ("研究能力", "Art. 12 (3)", 25),
    ("科研成果", "Art. 12 (4)", 25),
    ("保障措施", "Art. 12 (5)", 10),
]


def create(apps, schema_editor):
    FormalReviewItem = apps.get_model("reviews", "FormalReviewItem")
    CriteriaSet = apps.get_model("reviews", "CriteriaSet")
    Criterion = apps.get_model("reviews", "Criterion")
    if not FormalReviewItem.objects.exists():
        FormalReviewItem.objects.bulk_create(FormalReviewItem(text=t, order=i) for i, t in enumerate(CHECKS, 1))
    if not CriteriaSet.objects.filter(purpose="application").exists():
        criteria_set = CriteriaSet.objects.create(name="申报评审指标（第十二条）", purpose="application")
        Criterion.objects.bulk_create(
            Criterion(criteria_set=criteria_set, title=t, article=a, weight=w, order=i)
            for i, (t, a, w) in enumerate(CRITERIA, 1)
        )


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
