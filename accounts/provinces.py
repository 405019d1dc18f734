"""The 31 provincial-level divisions of the mainland and 新疆生产建设兵团 (GB/T 2260 codes; 66 for XPCC).

Local applications are routed to the two provincial bodies of the host's province (Art. 10).
"""

from django.db import models
from django.utils.translation import pgettext_lazy


class Province(models.TextChoices):
    BEIJING = "11", pgettext_lazy("province", "Beijing")  # 北京市
    TIANJIN = "12", pgettext_lazy("province", "Tianjin")  # 天津市
    HEBEI = "13", pgettext_lazy("province", "Hebei")  # 河北省
    SHANXI = "14", pgettext_lazy("province", "Shanxi")  # 山西省
    INNER_MONGOLIA = "15", pgettext_lazy("province", "Inner Mongolia")  # 内蒙古自治区
    LIAONING = "21", pgettext_lazy("province", "Liaoning")  # 辽宁省
    JILIN = "22", pgettext_lazy("province", "Jilin")  # 吉林省
    HEILONGJIANG = "23", pgettext_lazy("province", "Heilongjiang")  # 黑龙江省
    SHANGHAI = "31", pgettext_lazy("province", "Shanghai")  # 上海市
    JIANGSU = "32", pgettext_lazy("province", "Jiangsu")  # 江苏省
    ZHEJIANG = "33", pgettext_lazy("province", "Zhejiang")  # 浙江省
    ANHUI = "34", pgettext_lazy("province", "Anhui")  # 安徽省
    FUJIAN = "35", pgettext_lazy("province", "Fujian")  # 福建省
    JIANGXI = "36", pgettext_lazy("province", "Jiangxi")  # 江西省
    SHANDONG = "37", pgettext_lazy("province", "Shandong")  # 山东省
    HENAN = "41", pgettext_lazy("province", "Henan")  # 河南省
    HUBEI = "42", pgettext_lazy("province", "Hubei")  # 湖北省
    HUNAN = "43", pgettext_lazy("province", "Hunan")  # 湖南省
    GUANGDONG = "44", pgettext_lazy("province", "Guangdong")  # 广东省
    GUANGXI = "45", pgettext_lazy("province", "Guangxi")  # 广西壮族自治区
    HAINAN = "46", pgettext_lazy("province", "Hainan")  # 海南省
    CHONGQING = "50", pgettext_lazy("province", "Chongqing")  # 重庆市
    SICHUAN = "51", pgettext_lazy("province", "Sichuan")  # 四川省
    GUIZHOU = "52", pgettext_lazy("province", "Guizhou")  # 贵州省
    YUNNAN = "53", pgettext_lazy("province", "Yunnan")  # 云南省
    TIBET = "54", pgettext_lazy("province", "Tibet")  # 西藏自治区
    SHAANXI = "61", pgettext_lazy("province", "Shaanxi")  # 陕西省
    GANSU = "62", pgettext_lazy("province", "Gansu")  # 甘肃省
    QINGHAI = "63", pgettext_lazy("province", "Qinghai")  # 青海省
    NINGXIA = "64", pgettext_lazy("province", "Ningxia")  # 宁夏回族自治区
    XINJIANG = "65", pgettext_lazy("province", "Xinjiang")  # 新疆维吾尔自治区
    XPCC = "66", pgettext_lazy("province", "Xinjiang Production and Construction Corps")  # 新疆生产建设兵团


# The one-character short name (简称) of each province, the start of its bodies' 机关代字 (京市监质函, 苏工信函).
SHORT_NAMES = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "内蒙", "21": "辽", "22": "吉", "23": "黑", "31": "沪",
    "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫", "42": "鄂", "43": "湘",
    "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "黔", "53": "云", "54": "藏", "61": "陕",
    "62": "甘", "63": "青", "64": "宁", "65": "新", "66": "兵团",
}


def default_document_prefix(kind, province, name):
    """A sensible 机关代字 for a recommender's letters until its administrator sets its own: the province's short name
    and the body's (京市监质函, 京工信函), or a competent department's first two characters (教育函)."""
    short = SHORT_NAMES.get(province or "", "")
    if kind == "provincial_samr" and short:
        return f"{short}市监质函"
    if kind == "provincial_miit" and short:
        return f"{short}工信函"
    return f"{(name or '')[:2]}函" if name else ""
