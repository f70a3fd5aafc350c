"""``money`` of a float, through its shortcut, against the plain ``repr(round(value, 2))``.

Values are compared by ``repr``, so a Decimal's exponent and the sign of a zero must
match too.
"""

from __future__ import annotations

import math
from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st

from fundtrack.services.positions import CENT, money

EDGE = 8796093022208.0  # 2**43, where money's shortcut ends


def reference_money(value: float) -> Decimal | None:
    return Decimal(repr(round(value, 2))).quantize(CENT) if math.isfinite(value) else None


@given(
    st.one_of(
        st.floats(min_value=-EDGE, max_value=EDGE),
        st.floats(min_value=-1e6, max_value=1e6),
        st.integers(-(10**14), 10**14).map(lambda n: n / 1000),
        st.integers(-(10**14), 10**14).map(lambda n: n / 100 + 0.005),
        st.floats(min_value=-1e20, max_value=1e20),
        st.sampled_from((math.nan, math.inf, -math.inf)),
    )
)
@example(0.0)
@example(-0.0)
@example(-0.001)
@example(0.005)
@example(2.675)
@example(5e-324)
@example(EDGE - 0.005)
@example(-(EDGE - 0.005))
@example(EDGE)
@example(4503599627370.495)
def test_money_of_a_float_is_the_repr_rounding(value):
    assert repr(money(value)) == repr(reference_money(value))
