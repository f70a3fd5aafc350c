"""Root finding for rates of return: a vectorised Newton solve and a bracketing fallback.

Both work on *prepared* flows: times `t` in years (or periods) from the group's first flow and
amounts already divided by the group's largest absolute amount, so that 1e12-sized flows and
1-sized flows take the same path.

`newton_rates` runs Newton's method on NPV(r) = sum a (1+r)^-t for many groups at once; the
groups are the rows of 2-D arrays padded on the right with zeros. A
scalar XIRR calls it with one group, so the scalar and batch forms follow the same iteration
and reach the same root. A group fails when an iterate leaves (-1, inf), overflows or has not
converged after `MAX_ITER` steps; such groups go to `bracket_root`.

`has_single_root` proves, for one date-ordered series, that NPV has exactly one root; then
`newton_log_rate` may start anywhere (here: a two-point estimate) and still finds the rate
Newton-from-0.1 would, only in fewer steps. The proof is Descartes' rule for partial sums
(Laguerre; Pólya–Szegő, Problems and Theorems in Analysis II, Part V, problem 77; the basis of
Norström's 1972 IRR uniqueness criterion): the roots with r > 0 are at most the sign changes of
the running totals of the date-ordered flows, and (reading the flows backwards, x -> 1/x) the
roots with -1 < r < 0 at most the sign changes of the running totals from the last flow.
When the two counts add up to one the root is unique.

`bracket_root` scans x = ln(1+r) (so rates near -100% and above 1000% are ordinary numbers),
finds every sign change of NPV on a grid and bisects each one; it returns the root nearest the
guess. NPV is evaluated as exp(-x (t - t_ref)) times a positive factor that keeps the exponent
non-positive, which has the sign of NPV without overflowing.
"""

from __future__ import annotations

import numpy as np

GUESS = 0.1  # Excel's default guess; picks which root Newton reaches when there are several
MAX_ITER = 50
# Relative to max(1, |r|). Near a simple root Newton's error after a step of size h is about
# C h^2 (C = |f''/2f'|, of the order of the fund's duration), so stopping after a 1e-10 step
# leaves an error far below 1e-12; at a double root convergence is linear and the error is
# about one step, 1e-10.
STEP_TOL = 1e-10
RESIDUAL_TOL = 1e-6  # |NPV| / sum |discounted flows| accepted as zero
# ln(1+r) from about -100% + 1e-11 to about +1.2e6 %; grid step 0.05 in ln(1+r).
GRID = np.linspace(-25.0, 14.0, 781)
BISECT_STEPS = 60


def _dot(x: np.ndarray, y: np.ndarray) -> float:
    """Inner product without BLAS: a threaded BLAS call costs more here than the sum itself."""
    return float(np.einsum("i,i->", x, y))


def newton_rates(
    t: np.ndarray, a: np.ndarray, guess: float | np.ndarray = GUESS
) -> tuple[np.ndarray, np.ndarray]:
    """Newton from `guess` (one, or one per group) for every row of the 2-D panels `t`, `a`.

    Each row is one group, padded on the right with t = 0, a = 0 (padding adds nothing to
    NPV). Returns (rates, converged), one per row; failed rows hold NaN.
    """
    n_groups = t.shape[0]
    t_all, a_all = t, a
    rates = np.empty(n_groups, dtype=float)
    rates[:] = guess
    converged = np.zeros(n_groups, dtype=bool)
    active = np.arange(n_groups)  # rows of the (possibly compacted) panel
    still = np.ones(n_groups, dtype=bool)  # per active row: not yet settled
    # One work buffer, reused: in this environment fresh large arrays cost more in page
    # faults than the arithmetic done on them.
    buffer = np.empty_like(t)
    with np.errstate(all="ignore"):
        for _ in range(MAX_ITER):
            current = rates[active]
            np.multiply(t, -np.log1p(current)[:, None], out=buffer)
            np.exp(buffer, out=buffer)
            npv = np.einsum("ij,ij->i", a, buffer)
            slope_times_1r = np.einsum("ij,ij,ij->i", a, t, buffer)
            step = npv * (1.0 + current) / slope_times_1r
            new = current + step
            failed = still & (~np.isfinite(new) | (new <= -1.0))
            done = still & ~failed & (np.abs(step) <= STEP_TOL * np.maximum(1.0, np.abs(new)))
            moving = still & ~failed
            rates[active[moving]] = new[moving]
            rates[active[failed]] = np.nan
            converged[active[done]] = True
            still &= ~(failed | done)
            n_open = np.count_nonzero(still)
            if n_open == 0:
                break
            if n_open <= len(still) // 2:
                # Most rows have settled: drop them so later steps only pay for the rest.
                active, t, a = active[still], t[still], a[still]
                buffer = buffer[:n_open]
                still = np.ones(n_open, dtype=bool)
    # A step below STEP_TOL bounds |NPV| / sum|discounted flows| by
    # STEP_TOL * max(1, |r|) * t_max / (1+r); only rows where that bound is loose (rates near
    # -100%) can have stopped short of a root, so only they are checked.
    with np.errstate(all="ignore"):
        bound = STEP_TOL * np.maximum(1.0, np.abs(rates)) * t_all.max(axis=1) / (1.0 + rates)
    for k in np.flatnonzero(converged & ~(bound <= RESIDUAL_TOL)):
        if not _is_root(t_all[k], a_all[k], rates[k]):
            converged[k] = False
    return rates, converged


def has_single_root(a: np.ndarray) -> bool:
    """Whether the date-ordered flows `a` (|a| <= 1) provably have exactly one rate."""
    positive = a > 0
    if np.count_nonzero(positive[1:] != positive[:-1]) == 1:
        return True  # plain Descartes: one sign change, one root
    forward = np.cumsum(a)
    backward = forward[-1] - forward + a
    # Rounding in the running sums: a total this close to zero might have either sign.
    tol = 4 * len(a) * np.finfo(float).eps * max(1.0, float(np.abs(a).sum()))
    if (np.abs(forward) <= tol).any() or (np.abs(backward) <= tol).any():
        return False
    changes = np.count_nonzero(np.diff(forward > 0)) + np.count_nonzero(np.diff(backward > 0))
    return changes == 1


def two_point_guess(t: np.ndarray, a: np.ndarray) -> float:
    """Rate if all inflows and all outflows were each paid at their amount-weighted time."""
    inflow, outflow = np.maximum(a, 0.0), np.maximum(-a, 0.0)
    paid, received = outflow.sum(), inflow.sum()
    with np.errstate(all="ignore"):
        span = _dot(inflow, t) / received - _dot(outflow, t) / paid
        guess = float(np.expm1(np.log(received / paid) / span))
    return float(np.clip(guess, -0.99, 100.0)) if np.isfinite(guess) else GUESS


def newton_log_rate(t: np.ndarray, a: np.ndarray, guess: float) -> float | None:
    """Newton on NPV as a function of x = ln(1+r), from `guess`; None if it does not settle."""
    x = float(np.log1p(guess))
    at = a * t
    with np.errstate(all="ignore"):
        for _ in range(MAX_ITER):
            discount = np.exp(-x * t)
            # -f/f' (f' = -sum a t e); a zero slope gives inf, caught just below.
            step = np.float64(_dot(a, discount)) / np.float64(_dot(at, discount))
            x += step
            if not np.isfinite(x):
                return None
            if abs(step) <= STEP_TOL:  # in ln(1+r): relative to 1+r, strict near -100%
                return float(np.expm1(x)) if _is_root(t, a, float(np.expm1(x))) else None
    return None


def _is_root(t: np.ndarray, a: np.ndarray, rate: float) -> bool:
    """NPV at `rate` is zero up to rounding, relative to the discounted flows' size.

    Newton's step f/f' can be tiny far from a root when f' is huge (rates near -100%); this
    guards against calling such a point a root.
    """
    with np.errstate(all="ignore"):
        discount = np.exp(-np.log1p(rate) * t)
        return bool(abs(_dot(a, discount)) <= RESIDUAL_TOL * _dot(np.abs(a), discount))


def _npv_sign_scaled(x: float, t: np.ndarray, a: np.ndarray, t_max: float) -> float:
    """NPV at ln(1+r) = x times a positive factor chosen so no exponent is positive."""
    ref = t_max if x < 0 else 0.0
    return _dot(a, np.exp(-x * (t - ref)))


def bracket_root(t: np.ndarray, a: np.ndarray, guess: float = GUESS) -> float | None:
    """Every sign change of NPV on the ln(1+r) grid, bisected; the root nearest `guess`."""
    t_max = float(t.max()) if len(t) else 0.0
    values = np.array([_npv_sign_scaled(x, t, a, t_max) for x in GRID])
    roots: list[float] = [float(x) for x, v in zip(GRID, values, strict=True) if v == 0.0]
    signs = np.sign(values)
    for i in np.flatnonzero(signs[:-1] * signs[1:] < 0):
        lo, hi = float(GRID[i]), float(GRID[i + 1])
        f_lo = signs[i]
        for _ in range(BISECT_STEPS):
            mid = 0.5 * (lo + hi)
            f_mid = np.sign(_npv_sign_scaled(mid, t, a, t_max))
            if f_mid == 0:
                lo = hi = mid
                break
            if f_mid == f_lo:
                lo = mid
            else:
                hi = mid
        roots.append(0.5 * (lo + hi))
    if not roots:
        return None
    rates = np.expm1(np.array(roots))
    return float(rates[np.argmin(np.abs(rates - guess))])
