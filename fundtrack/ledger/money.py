"""Money at the ledger boundary: exact ``Decimal`` amounts with an ISO currency.

Amounts are kept to three decimal places (厘) in the database: NUMERIC(24, 3)
on PostgreSQL, and a 64-bit integer count of thousandths on SQLite, which has
no exact decimal type. Both add up exactly in SQL, so aggregates can be left to
the database; a value such as ``0.005``, ``10**15`` or one of 19 significant
digits comes back exactly as written. Rounding to fen happens only on display.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation

from sqlalchemy import BigInteger, Numeric, String
from sqlalchemy.types import TypeDecorator

SCALE = 3
QUANTUM = Decimal(1).scaleb(-SCALE)
#: The largest magnitude both databases hold: SQLite's integer of thousandths stops at 2^63.
LIMIT = Decimal(2**63 - 1).scaleb(-SCALE)

REPORTING_CURRENCY = "CNY"


class MoneyError(ValueError):
    """An amount that cannot be stored exactly."""


def to_decimal(value: object, *, field: str = "amount") -> Decimal:
    """Return ``value`` as a finite ``Decimal`` that the ledger can store exactly.

    Floats are refused: a float has already lost the cents the user typed.
    """
    if isinstance(value, (bool, float)):
        raise MoneyError(f"{field}: pass a Decimal or a string, not {type(value).__name__}")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise MoneyError(f"{field}: {value!r} is not a number") from None
    if not amount.is_finite():
        raise MoneyError(f"{field}: {value!r} is not a finite number")
    if abs(amount) > LIMIT:
        raise MoneyError(f"{field}: {value!r} is larger than the ledger holds (9.2 × 10^15)")
    if amount != amount.quantize(QUANTUM):
        raise MoneyError(f"{field}: {value!r} has more than {SCALE} decimal places")
    return amount


def is_currency_code(code: str) -> bool:
    """ISO 4217 shape: three upper-case letters."""
    return len(code) == 3 and code.isascii() and code.isalpha() and code.isupper()


class Money(TypeDecorator):
    """An exact amount: NUMERIC on PostgreSQL, an integer of thousandths on SQLite."""

    impl = Numeric(24, SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(24, SCALE, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        amount = to_decimal(value)
        if dialect.name == "sqlite":
            return int(amount.scaleb(SCALE))
        return amount

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            if isinstance(value, float):
                raise MoneyError("an amount came back from SQLite as a float")
            return Decimal(int(value)).scaleb(-SCALE).quantize(QUANTUM)
        return _from_numeric(value)


def _from_numeric(value) -> Decimal:
    """A NUMERIC amount from the driver as ``Money`` returns it: three places."""
    return Decimal(value).quantize(QUANTUM)


class Ratio(TypeDecorator):
    """An exact ratio or rate (stake, fee rate, multiplier) with eight decimals."""

    impl = Numeric(18, 8)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(Numeric(18, 8, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        ratio = value if isinstance(value, Decimal) else Decimal(str(value))
        if not ratio.is_finite():
            raise MoneyError(f"ratio {value!r} is not finite")
        return format(ratio, "f") if dialect.name == "sqlite" else ratio

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(str(value))


def allocate(
    total: Decimal, weights: Sequence[Decimal], quantum: Decimal = Decimal("0.01")
) -> list[Decimal]:
    """Split ``total`` pro rata to ``weights`` in units of ``quantum``, summing exactly to it.

    Largest-remainder: each share is rounded down, and the units left over go to
    the largest remainders (ties to the earlier weight), so nobody is short by
    more than one unit and the parts always add up to the whole.
    """
    total = to_decimal(total, field="total")
    weight_sum = sum(weights, Decimal(0))
    if weight_sum <= 0 or any(w < 0 for w in weights):
        raise MoneyError("allocate: weights must be non-negative and not all zero")
    units = int((total / quantum).to_integral_value())
    if Decimal(units) * quantum != total:
        raise MoneyError(f"allocate: {total} is not a whole number of {quantum}")
    exact = [Decimal(units) * w / weight_sum for w in weights]
    floors = [int(e.to_integral_value(rounding="ROUND_FLOOR")) for e in exact]
    left = units - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(f) * quantum for f in floors]


def amount_reader(dialect) -> Callable[[object], Decimal]:
    """Driver value → Decimal, as ``Money`` reads it, without its per-value overhead on SQLite.

    For a column selected without its type (``type_coerce(column, NullType())``): the
    dashboard reads thousands of amounts, and there the integer of thousandths becomes a
    Decimal directly (exact; its exponent is −3, as ``Money`` returns it).
    """
    if dialect.name == "sqlite":
        # An exact product: the integer's digits with the exponent −3, as scaleb(-3) gives.
        return lambda value: None if value is None else Decimal(value) * QUANTUM
    # ``Money``'s own conversion, without the chain of processors ``result_processor``
    # wraps around it (built without a column type, that chain goes through a float).
    return lambda value: None if value is None else _from_numeric(value)


def sql_yuan_float(expression, dialect_name: str):
    """A money SQL expression as a float in yuan, for analytics inputs read in bulk.

    SQLite keeps thousandths as integers; PostgreSQL keeps NUMERIC yuan.
    """
    from sqlalchemy import Float, cast, type_coerce

    if dialect_name == "sqlite":
        return type_coerce(expression, Float) / 1000.0
    return cast(expression, Float)
