"""The demo portfolio's cast: the parent fund, its LPs, sub-funds, terms and companies.

It mirrors the structure of a real development zone's 3 bn RMB industrial
investment parent fund (see SEED-FACTS); every company name and amount is
illustrative and the entities are flagged as demo data.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

D = Decimal
PARENT_INCEPTION = dt.date(2024, 8, 20)
AS_OF = dt.date(2026, 9, 30)

PARENT = {
    "code": "PARENT",
    "name": "高新区产业投资母基金",
    "name_en": "Hi-tech Zone Industrial Investment Parent Fund",
    "inception": PARENT_INCEPTION,
}
PARENT_MANAGER = {
    "code": "MGR-KAIYUAN",
    "name": "开源资产管理有限公司",
    "name_en": "Kaiyuan Asset Management",
}

# (code, name, name_en, lp_type, commitment to PARENT)
PARENT_LPS = [
    ("LP-FISCAL", "高新区财政出资", "Zone fiscal funds", "fiscal", D(1_200_000_000)),
    (
        "LP-SOE",
        "高新区国有资本运营有限公司",
        "Zone state capital operator",
        "soe",
        D(1_050_000_000),
    ),
    (
        "LP-PRIVATE",
        "晋商产业资本合伙企业",
        "Jinshang Industrial Capital LP",
        "private",
        D(750_000_000),
    ),
]

# Sub-funds: identity, size, the parent's commitment, co-investors and terms.
SUBFUNDS = [
    {
        "code": "SF-INCUBATOR",
        "name": "孵化器创投基金",
        "name_en": "Incubator Venture Fund",
        "inception": dt.date(2024, 9, 10),
        "manager": (
            "MGR-INCUBATOR",
            "高新孵化创业投资管理有限公司",
            "Hi-tech Incubator VC Management",
        ),
        "size": D(500_000_000),
        "parent_commitment": D(150_000_000),
        "co_investors": [
            (
                "LP-INC-PRIVATE",
                "星火天使投资合伙企业",
                "Spark Angel Investors LP",
                "private",
                D(250_000_000),
            ),
            (
                "LP-INC-SOE",
                "阳城科技投资有限公司",
                "Yangcheng Tech Investment",
                "soe",
                D(100_000_000),
            ),
        ],
        "core_sector": "digital",
        "core_sector_min": D("0.50"),
        "single_project_cap": D("0.10"),
        "reinvest_multiple": D("1.5"),
        "tranches": [D("0.20"), D("0.20"), D("0.20"), D("0.15")],
    },
    {
        "code": "SF-DIGITAL",
        "name": "数字经济基金",
        "name_en": "Digital Economy Fund",
        "inception": dt.date(2024, 9, 20),
        "manager": ("MGR-DIGITAL", "数智产业基金管理有限公司", "Digital Industry Fund Management"),
        "size": D(1_500_000_000),
        "parent_commitment": D(450_000_000),
        "co_investors": [
            (
                "LP-DIG-PRIVATE",
                "华信数字产业投资合伙企业",
                "Huaxin Digital Industry LP",
                "private",
                D(600_000_000),
            ),
            (
                "LP-DIG-SOE",
                "省数字经济投资集团",
                "Provincial Digital Economy Group",
                "soe",
                D(450_000_000),
            ),
        ],
        "core_sector": "digital",
        "core_sector_min": D("0.60"),
        "single_project_cap": D("0.20"),
        "reinvest_multiple": D("1.5"),
        # Since 2025 many cities lowered the multiple: a revision from mid-2025.
        "revision": (dt.date(2025, 7, 1), {"reinvest_multiple": D("1.2")}),
        "tranches": [D("0.20"), D("0.20"), D("0.20"), D("0.15")],
    },
    {
        "code": "SF-ENERGY",
        "name": "新能源新材料基金",
        "name_en": "New Energy & New Materials Fund",
        "inception": dt.date(2024, 10, 15),
        "manager": (
            "MGR-ENERGY",
            "太行新能源投资管理有限公司",
            "Taihang New Energy Investment Mgmt",
        ),
        "size": D(2_000_000_000),
        "parent_commitment": D(600_000_000),
        "co_investors": [
            (
                "LP-ENE-PRIVATE",
                "绿能产业投资合伙企业",
                "Green Energy Industry LP",
                "private",
                D(800_000_000),
            ),
            (
                "LP-ENE-SOE",
                "省能源投资集团",
                "Provincial Energy Investment Group",
                "soe",
                D(600_000_000),
            ),
        ],
        "core_sector": "energy",
        "core_sector_min": D("0.60"),
        "single_project_cap": D("0.20"),
        "reinvest_multiple": D("1.5"),
        "tranches": [D("0.20"), D("0.20"), D("0.20"), D("0.15")],
    },
]

COMMON_TERMS = {
    "max_parent_stake": D("0.30"),
    "reinvest_base": "parent_contribution",
    "recognition_multipliers": {
        "relocation": "2.0",
        "local_subsidiary": "1.8",
        "local_investment": "1.5",
    },
    "min_private_share": D("0.25"),
    "max_idle_share": D("0.30"),
    "first_call_min": D("0.20"),
    "fee_rate": D("0.02"),
    "fee_base": "paid_in",
    "hurdle": D("0.08"),
    "carry": D("0.20"),
    "investment_period_years": 5,
    "term_years": 7,
}

# Companies: (code, name, name_en, sector, region of origin, stage, settled locally).
# Sectors: digital 数字经济, energy 新能源新材料, equipment 高端装备制造.
# Regions: jjj 京津冀, yrd 长三角, prd 珠三角, local 本地.
COMPANIES = [
    (
        "CO-XINCHUANG",
        "云岭信创软件有限公司",
        "Yunling Xinchuang Software",
        "digital",
        "jjj",
        "growth",
        True,
    ),
    ("CO-SUANLI", "晋数智算科技有限公司", "Jinshu Computing", "digital", "local", "growth", True),
    ("CO-BIGDATA", "星河大数据科技有限公司", "Xinghe Big Data", "digital", "yrd", "growth", True),
    (
        "CO-CHELIAN",
        "智联车载系统有限公司",
        "Zhilian In-Vehicle Systems",
        "digital",
        "prd",
        "early",
        True,
    ),
    (
        "CO-TERMINAL",
        "阳光智能终端有限公司",
        "Sunshine Smart Terminals",
        "digital",
        "prd",
        "growth",
        True,
    ),
    ("CO-SHULIAN", "数链科技有限公司", "Shulian Tech", "digital", "jjj", "early", False),
    ("CO-QIMING", "启明信息安全技术有限公司", "Qiming Infosec", "digital", "jjj", "mature", True),
    (
        "CO-ZHIBO",
        "朔风直播电商有限公司",
        "Shuofeng Live Commerce",
        "digital",
        "local",
        "early",
        True,
    ),
    (
        "CO-GONGLIAN",
        "中晟工业互联网有限公司",
        "Zhongsheng Industrial Internet",
        "digital",
        "yrd",
        "growth",
        False,
    ),
    (
        "CO-BEICHEN",
        "北辰数据服务有限公司",
        "Beichen Data Services",
        "digital",
        "jjj",
        "growth",
        True,
    ),
    (
        "CO-ZHIHUI",
        "泰和智慧城市科技有限公司",
        "Taihe Smart City",
        "digital",
        "local",
        "mature",
        True,
    ),
    ("CO-XINPIAN", "蓝湾芯片设计有限公司", "Lanwan Chip Design", "digital", "prd", "early", False),
    ("CO-WEIGUANG", "微光视觉科技有限公司", "Weiguang Vision", "digital", "yrd", "seed", True),
    (
        "CO-YUNDUAN",
        "云端协同软件有限公司",
        "Cloud Collab Software",
        "digital",
        "local",
        "seed",
        True,
    ),
    (
        "CO-LANBAO",
        "晶耀蓝宝石材料有限公司",
        "Jingyao Sapphire Materials",
        "energy",
        "local",
        "mature",
        True,
    ),
    (
        "CO-FUYUAN",
        "氟源新材料有限公司",
        "Fuyuan Fluorine Materials",
        "energy",
        "yrd",
        "growth",
        True,
    ),
    ("CO-HUANDIAN", "绿驰换电科技有限公司", "Lvchi Battery Swap", "energy", "jjj", "growth", True),
    ("CO-GUANGFU", "光合光伏材料有限公司", "Guanghe PV Materials", "energy", "yrd", "growth", True),
    (
        "CO-CHUNENG",
        "太行储能科技有限公司",
        "Taihang Energy Storage",
        "energy",
        "local",
        "early",
        True,
    ),
    (
        "CO-QINGDONG",
        "氢动力装备有限公司",
        "Hydrogen Power Equipment",
        "energy",
        "jjj",
        "early",
        False,
    ),
    ("CO-TANXIAN", "碳纤科技有限公司", "Tanxian Carbon Fibre", "energy", "prd", "growth", False),
    ("CO-LICHENG", "锂程新能源有限公司", "Licheng New Energy", "energy", "prd", "growth", True),
    ("CO-GUICAI", "丰华硅材料有限公司", "Fenghua Silicon", "energy", "local", "mature", True),
    ("CO-HENGTONG", "恒通氢能科技有限公司", "Hengtong Hydrogen", "energy", "yrd", "early", False),
    (
        "CO-ZHONGKA",
        "重卡绿运科技有限公司",
        "Heavy Truck Green Transport",
        "energy",
        "local",
        "growth",
        True,
    ),
    ("CO-FAMEN", "恒泰阀门制造有限公司", "Hengtai Valves", "equipment", "local", "mature", True),
    ("CO-SHUKONG", "精工数控装备有限公司", "Jinggong CNC", "equipment", "yrd", "growth", True),
    (
        "CO-ZHONGZAI",
        "重载智能装备有限公司",
        "Heavy-Duty Intelligent Equipment",
        "equipment",
        "jjj",
        "growth",
        False,
    ),
    ("CO-YEYA", "晋锐液压科技有限公司", "Jinrui Hydraulics", "equipment", "local", "growth", True),
    (
        "CO-CHUANDONG",
        "卓越传动技术有限公司",
        "Zhuoyue Transmission",
        "equipment",
        "prd",
        "early",
        False,
    ),
    (
        "CO-ZHUZAO",
        "华钢精密铸造有限公司",
        "Huagang Precision Casting",
        "equipment",
        "local",
        "mature",
        False,
    ),
    ("CO-JIQIREN", "天工机器人有限公司", "Tiangong Robotics", "equipment", "yrd", "early", True),
    ("CO-CHUANGAN", "灵犀传感科技有限公司", "Lingxi Sensors", "digital", "yrd", "seed", True),
    (
        "CO-XINNENG",
        "芯能电池材料有限公司",
        "Xinneng Battery Materials",
        "energy",
        "prd",
        "seed",
        True,
    ),
]

# Which sub-fund invests in which company; some companies are held through two.
ALLOCATION = {
    "SF-INCUBATOR": [
        "CO-WEIGUANG",
        "CO-YUNDUAN",
        "CO-ZHIBO",
        "CO-CHUANGAN",
        "CO-XINNENG",
        "CO-CHELIAN",
        "CO-SHULIAN",
        "CO-XINPIAN",
        "CO-JIQIREN",
        "CO-CHUNENG",
    ],
    "SF-DIGITAL": [
        "CO-XINCHUANG",
        "CO-SUANLI",
        "CO-BIGDATA",
        "CO-CHELIAN",
        "CO-TERMINAL",
        "CO-QIMING",
        "CO-GONGLIAN",
        "CO-BEICHEN",
        "CO-ZHIHUI",
        "CO-SHULIAN",
        "CO-SHUKONG",
        "CO-ZHONGZAI",
    ],
    "SF-ENERGY": [
        "CO-LANBAO",
        "CO-FUYUAN",
        "CO-HUANDIAN",
        "CO-GUANGFU",
        "CO-CHUNENG",
        "CO-QINGDONG",
        "CO-TANXIAN",
        "CO-LICHENG",
        "CO-GUICAI",
        "CO-HENGTONG",
        "CO-ZHONGKA",
        "CO-FAMEN",
        "CO-YEYA",
        "CO-CHUANDONG",
        "CO-ZHUZAO",
    ],
}

# Exits: (sub-fund, company, date, proceeds as a multiple of cost).
EXITS = [
    ("SF-DIGITAL", "CO-QIMING", dt.date(2025, 12, 18), D("2.40")),
    ("SF-ENERGY", "CO-GUICAI", dt.date(2026, 3, 26), D("1.65")),
    ("SF-INCUBATOR", "CO-YUNDUAN", dt.date(2026, 5, 12), D("0.60")),
    ("SF-ENERGY", "CO-LANBAO", dt.date(2026, 7, 30), D("3.10")),
]

# Where a local settlement is recognised, its category (返投 认定类别).
RECOGNITION_CATEGORY = {"local": "local_investment"}  # native firms; movers: relocation/subsidiary

BENCHMARK = ("CSI300-SYN", "合成沪深300风格指数（演示）", "Synthetic CSI 300-like index (demo)")

# Indicator thresholds beyond the named terms (data: they differ by city and year).
THRESHOLDS = {
    "min_paid_in_ratio": "0.60",
    "min_investment_progress": "0.60",
    "min_leverage": "3.0",
    "min_reinvestment_completion": "0.50",
}

# 绩效评价: the parent fund's annual performance scorecard (weights add up to 100).
SCORECARD = [
    {"indicator": "paid_in_ratio", "weight": 10, "target": "0.30", "direction": "min"},
    {"indicator": "investment_progress", "weight": 20, "target": "0.70", "direction": "min"},
    {"indicator": "leverage", "weight": 15, "target": "3.0", "direction": "min"},
    {"indicator": "reinvestment_completion", "weight": 20, "target": "1.0", "direction": "min"},
    {"indicator": "irr", "weight": 10, "target": "0.06", "direction": "min"},
    {"indicator": "idle_cash_share", "weight": 10, "target": "0.20", "direction": "max"},
    {"indicator": "private_capital_share", "weight": 5, "target": "0.25", "direction": "min"},
    {"indicator": "breaches", "weight": 10, "target": "0", "direction": "max"},
]
