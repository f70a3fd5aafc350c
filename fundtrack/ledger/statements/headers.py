"""Column names in English or Chinese, the kind of file they make, and transfer type names.

A statement's kind is read from its header: the kind whose required columns are
all present. Unknown columns are refused rather than dropped, so a column such
as ``金额（万元）`` can never be ignored while ``金额`` is read in 元.
"""

from __future__ import annotations

import functools
import unicodedata

#: canonical column → the names a statement may give it (compared case-insensitively).
ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("date", "日期", "交易日期", "估值日期", "净值日期"),
    "type": ("type", "kind", "类型", "交易类型"),
    "from": ("from", "付款方", "出款方"),
    "to": ("to", "收款方"),
    "amount": ("amount", "金额", "交易金额"),
    "currency": ("currency", "币种", "货币"),
    "reference": ("reference", "ref", "凭证号", "参考号", "流水号"),
    "memo": ("memo", "备注", "摘要"),
    "recallable": ("recallable", "可召回", "可循环"),
    "fx_rate": ("fx_rate", "汇率"),
    "fx_date": ("fx_date", "汇率日期"),
    "entity": ("entity", "主体", "估值对象"),
    "holder": ("holder", "持有人"),
    "value": ("value", "估值", "净值"),
    "source": ("source", "来源"),
    "index": ("index", "指数", "指数代码"),
    "level": ("level", "点位", "收盘", "收盘点位"),
}

#: kind → (required columns, optional columns)
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "transactions": (
        ("date", "type", "from", "to", "amount"),
        ("currency", "reference", "memo", "recallable", "fx_rate", "fx_date"),
    ),
    "valuations": (("date", "entity", "value"), ("holder", "currency", "source")),
    "index": (("date", "index", "level"), ()),
}

#: transfer type names in statements → the ledger's kinds.
TYPE_NAMES: dict[str, str] = {
    "contribution": "contribution",
    "出资": "contribution",
    "实缴": "contribution",
    "缴款": "contribution",
    "distribution": "distribution",
    "分配": "distribution",
    "investment": "investment",
    "投资": "investment",
    "proceeds": "proceeds",
    "回款": "proceeds",
    "退出": "proceeds",
    "fee": "fee",
    "管理费": "fee",
    "expense": "expense",
    "费用": "expense",
}

_TRUE = {"true", "yes", "y", "1", "是", "可召回", "可循环"}
_FALSE = {"", "false", "no", "n", "0", "否"}

_BY_NAME = {name.casefold(): canonical for canonical, names in ALIASES.items() for name in names}


def fold(text: object) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).strip().casefold()


def canonical_column(name: object) -> str | None:
    return _BY_NAME.get(fold(name).replace(" ", "_"))


def detect_kind(columns: set[str]) -> tuple[str | None, list[str]]:
    """The kind whose required columns are all present, else (None, what the nearest lacks)."""
    best: tuple[int, str, list[str]] | None = None
    for kind, (required, _) in KINDS.items():
        missing = [c for c in required if c not in columns]
        if not missing:
            return kind, []
        score = len(required) - len(missing)
        if best is None or score > best[0]:
            best = (score, kind, missing)
    assert best is not None
    return None, best[2] if best[0] > 1 else []


def transfer_kind(name: object) -> str | None:
    if type(name) is str:
        return _kind_of_text(name)
    return TYPE_NAMES.get(fold(name))


@functools.lru_cache(maxsize=256)
def _kind_of_text(name: str) -> str | None:
    # Cached: a statement spells its few types the same way on every row.
    return TYPE_NAMES.get(fold(name))


def flag(value: object) -> bool | None:
    """A yes/no cell (empty = no); ``None`` when it is neither."""
    if isinstance(value, bool):
        return value
    if value is None or value == "":
        return False
    text = fold(value)
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None
