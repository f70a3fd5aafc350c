"""Benchmark fundtrack's XIRR against pyxirr (a Rust implementation).

(a) 10,000 funds x 40 quarterly flows in one DataFrame sorted by fund: `xirr_many` against a
    loop calling `pyxirr.xirr` once per fund. The loop is given its best case: dates
    converted to day resolution once, group boundaries found once with numpy, each call given
    array slices (a `groupby` loop, also shown, is much slower). Target: xirr_many at least
    2x the loop's throughput.
(b) One series of 100,000 flows: `xirr` against `pyxirr.xirr`. Target: within 2x its time.

Flows are fund-like: calls early, distributions later, overlapping, the NAV as the last flow,
so most funds change sign several times. Times are the best of several runs.
Run: python bench/xirr.py
"""

import itertools
import time
import timeit

import numpy as np
import pandas as pd
import pyxirr

from fundtrack.analytics import xirr, xirr_many


def fund_frame(funds: int, quarters: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    q = np.arange(quarters)
    called = rng.uniform(size=(funds, quarters)) < np.clip(1 - q / 16, 0.05, 1)
    paid_out = rng.uniform(size=(funds, quarters)) < np.clip(q / 30, 0, 1)
    amounts = (-1.0 * called * rng.uniform(0.5, 1.5, (funds, quarters))
               + paid_out * rng.uniform(0.2, 2.0, (funds, quarters)))
    amounts[:, -1] = rng.uniform(0, 20, funds)  # NAV
    starts = np.datetime64("2010-03-31") + rng.integers(0, 2000, funds)
    dates = (starts[:, None] + (q * 91)[None, :]).ravel().astype("datetime64[ns]")
    return pd.DataFrame({"group": np.repeat(np.arange(funds), quarters), "date": dates,
                         "amount": amounts.ravel() * 1e8})


def best(fn, repeat: int) -> float:
    return min(timeit.repeat(fn, number=1, repeat=repeat))


def pyxirr_loop(frame: pd.DataFrame) -> list:
    groups = frame["group"].to_numpy()
    # Day resolution once for all: pyxirr is markedly slower on nanosecond datetime64.
    dates = frame["date"].to_numpy().astype("datetime64[D]")
    amounts = frame["amount"].to_numpy()
    bounds = np.concatenate(([0], np.flatnonzero(groups[1:] != groups[:-1]) + 1, [len(groups)]))
    return [pyxirr.xirr(dates[lo:hi], amounts[lo:hi], silent=True)
            for lo, hi in itertools.pairwise(bounds)]


def pyxirr_groupby(frame: pd.DataFrame) -> list:
    return [pyxirr.xirr(part["date"], part["amount"], silent=True)
            for _, part in frame.groupby("group", sort=False)]


def main() -> None:
    frame = fund_frame(10_000, 40)
    ours = xirr_many(frame)
    theirs = pyxirr_loop(frame)
    solved = [(a, b) for a, b in zip(ours, theirs, strict=True) if a is not None and b]
    gap = max(abs(a - b) for a, b in solved)
    t_many = best(lambda: xirr_many(frame), 9)
    t_loop = best(lambda: pyxirr_loop(frame), 9)
    t_groupby = best(lambda: pyxirr_groupby(frame), 2)
    print("(a) 10,000 funds x 40 quarterly flows (400,000 rows)")
    print(f"    fundtrack xirr_many            {t_many * 1e3:8.1f} ms")
    print(f"    pyxirr loop over array slices  {t_loop * 1e3:8.1f} ms   "
          f"xirr_many throughput x{t_loop / t_many:.2f}  (target >= 2)")
    print(f"    pyxirr loop over groupby       {t_groupby * 1e3:8.1f} ms   "
          f"xirr_many throughput x{t_groupby / t_many:.2f}")
    print(f"    solved {len(solved)} of {len(frame) // 40}; "
          f"largest difference from pyxirr {gap:.1e}")

    rng = np.random.default_rng(0)
    n = 100_000
    days = np.datetime64("2000-01-01") + np.sort(rng.integers(0, 9000, n))
    amounts = np.where(np.arange(n) < n // 3, -rng.uniform(1, 2, n), rng.uniform(0, 1.5, n))
    t_ours = best(lambda: xirr(days, amounts), 15)
    t_theirs = best(lambda: pyxirr.xirr(days, amounts), 15)
    as_dates = list(days.astype(object))
    as_floats = amounts.tolist()
    t_ours_list = best(lambda: xirr(as_dates, as_floats), 5)
    t_theirs_list = best(lambda: pyxirr.xirr(as_dates, as_floats), 5)
    print("(b) one series of 100,000 flows")
    print(f"    numpy arrays:  fundtrack {t_ours * 1e3:7.2f} ms   pyxirr {t_theirs * 1e3:7.2f} ms"
          f"   ratio x{t_ours / t_theirs:.2f}  (target <= 2)")
    print(f"    Python lists:  fundtrack {t_ours_list * 1e3:7.2f} ms   "
          f"pyxirr {t_theirs_list * 1e3:7.2f} ms   ratio x{t_ours_list / t_theirs_list:.2f}")
    print(f"    rates: {xirr(days, amounts):.12f} vs {pyxirr.xirr(days, amounts):.12f}")
    print(f"(run at {time.strftime('%Y-%m-%d %H:%M:%S')})")


if __name__ == "__main__":
    main()
