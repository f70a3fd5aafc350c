"""Benchmark of the quarterly report against issue 5's goals.

(a) The full report (snapshot + view + Jinja + WeasyPrint in the limited child process) on
    the small demo, against bare WeasyPrint on the same HTML in this process: goal ≤ 1.3×.
(b) The look-through holdings appendix of ``demo --size large`` (~2,000 rows): goal ≤ 15 s
    and ≤ 600 MB peak RSS of the renderer. Measured on its own (the appendix section alone,
    through the same safe renderer with its default limits), and as the increment of the
    whole large report with the appendix over the whole report without it. Peak memory is
    the renderer child's own (``ru_maxrss`` read inside the child); it includes the pages
    it shares with the parent at fork, shown separately as "at fork".

Without ``--large-db``/``--load-large`` (b) runs on the small demo's holdings repeated to
2,000 rows (no large report then).

    .venv/bin/python bench/report.py [--large-db URL | --load-large] [--runs 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from fundtrack.ledger.db import Database
from fundtrack.reporting import quarterly, render
from fundtrack.services.database import init_database
from fundtrack.services.demo import load_demo
from fundtrack.services.reports import build_report, look_through_holdings
from fundtrack.services.snapshot import build_snapshot

AS_OF = dt.date(2026, 9, 30)
RATIO_GOAL = 1.3
APPENDIX_SECONDS_GOAL = 15.0
APPENDIX_MB_GOAL = 600.0


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def demo_db(folder: Path, size: str) -> Database:
    db = Database(f"sqlite:///{folder / f'{size}.db'}")
    init_database(db)
    started = time.perf_counter()
    load_demo(db, size=size, progress=lambda _m: None)
    print(f"  loaded the {size} demo in {time.perf_counter() - started:.1f} s")
    return db


def bare_weasyprint(html: str, out: Path) -> float:
    from weasyprint import HTML

    started = time.perf_counter()
    HTML(string=html, base_url=render.assets_dir().as_uri() + "/").write_pdf(out)
    return time.perf_counter() - started


def full_vs_bare(db: Database, folder: Path, runs: int) -> bool:
    print("(a) full report vs bare WeasyPrint (small demo, zh)")
    full, renderer, bare = [], [], []
    for i in range(runs):
        started = time.perf_counter()
        build_report(db, "2026Q3", "zh", folder / f"full-{i}.pdf", "bench")
        full.append(time.perf_counter() - started)
        html = render.render_html(
            "quarterly", "report.html", quarterly.view(build_snapshot(db, AS_OF), "zh").context
        )
        started = time.perf_counter()
        render.html_to_pdf(html, folder / f"child-{i}.pdf")
        renderer.append(time.perf_counter() - started)
        bare.append(bare_weasyprint(html, folder / f"bare-{i}.pdf"))
    f, r, b = (statistics.median(x) for x in (full, renderer, bare))
    ok = f / b <= RATIO_GOAL
    print(
        f"  medians of {runs}: full report {f:.2f} s, safe renderer alone {r:.2f} s, "
        f"bare WeasyPrint {b:.2f} s"
    )
    print(
        f"  full / bare {f / b:.2f}x, safe renderer / bare {r / b:.2f}x "
        f"(goal <= {RATIO_GOAL}x): {verdict(ok)}"
    )
    return ok


def holdings(db: Database, repeat_to: int | None):
    """The snapshot with its look-through holdings, and the seconds computing them took."""
    started = time.perf_counter()
    snapshot = build_snapshot(db, AS_OF)
    rows = look_through_holdings(db, snapshot)
    took = time.perf_counter() - started
    if repeat_to:
        source = rows
        rows = [
            dict(source[i % len(source)], code=f"{source[i % len(source)]['code']}-{i}")
            for i in range(repeat_to)
        ]
        print(f"  {len(source)} real holdings repeated to {len(rows)} rows")
    snapshot.exposure["holdings"] = rows
    return snapshot, took


def appendix_alone(snapshot, folder: Path, runs: int) -> bool:
    """The holdings appendix as the only section of a document (plus the one-page cover)."""
    view = quarterly.view(snapshot, "zh", appendix="holdings")
    block = next(
        b
        for s in view.context["sections"]
        for b in s["blocks"]
        if b.get("title") == view.context["t"]["appendix_holdings"]
    )
    context = dict(
        view.context, sections=[{"id": "appendix", "title": block["title"], "blocks": [block]}]
    )
    times, results = [], []
    for i in range(runs):
        started = time.perf_counter()
        html = render.render_html("quarterly", "report.html", context)
        results.append(render.html_to_pdf(html, folder / f"appendix-{i}.pdf"))
        times.append(time.perf_counter() - started)
    took = statistics.median(times)
    peak = max(r.peak_rss_mb for r in results)
    at_fork = max(r.start_rss_mb for r in results)
    ok = took <= APPENDIX_SECONDS_GOAL and peak <= APPENDIX_MB_GOAL
    print(
        f"  appendix alone: {len(block['rows'])} rows, {results[0].pages} pages; median of "
        f"{runs} {took:.1f} s (Jinja + renderer; goal <= {APPENDIX_SECONDS_GOAL:.0f} s); "
        f"renderer peak RSS {peak:.0f} MB, {at_fork:.0f} MB of it at fork "
        f"(goal <= {APPENDIX_MB_GOAL:.0f} MB): {verdict(ok)}"
    )
    return ok


def whole_report(snapshot, folder: Path, appendix: str | None, compute: float) -> dict:
    """What ``build_report`` does, minus recording the run (the bench leaves the DB alone)."""
    started = time.perf_counter()
    view = quarterly.view(snapshot, "zh", appendix=appendix)
    html = render.render_html("quarterly", "report.html", view.context)
    result = render.html_to_pdf(html, folder / f"whole-{appendix}.pdf")
    took = time.perf_counter() - started
    label = "with the appendix" if appendix else "without the appendix"
    print(
        f"  whole report {label}: {result.pages} pages, {compute + took:.1f} s "
        f"(snapshot {compute:.1f} s + render {took:.1f} s); renderer peak RSS "
        f"{result.peak_rss_mb:.0f} MB ({result.start_rss_mb:.0f} MB at fork)"
    )
    return {"seconds": took, "pages": result.pages, "peak": result.peak_rss_mb}


def large_reports(snapshot, folder: Path, compute: float) -> None:
    without = whole_report(snapshot, folder, None, compute)
    with_ = whole_report(snapshot, folder, "holdings", compute)
    print(
        f"  the appendix adds {with_['pages'] - without['pages']} pages, "
        f"{with_['seconds'] - without['seconds']:+.1f} s and "
        f"{with_['peak'] - without['peak']:+.0f} MB of renderer peak RSS"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large-db", help="URL of a database holding the large demo")
    parser.add_argument("--load-large", action="store_true", help="build the large demo first")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        small = demo_db(folder, "small")
        ok_a = full_vs_bare(small, folder, args.runs)
        print("(b) the holdings appendix of the large demo")
        if args.large_db or args.load_large:
            db = Database(args.large_db) if args.large_db else demo_db(folder, "large")
            snapshot, compute = holdings(db, None)
            ok_b = appendix_alone(snapshot, folder, args.runs)
            large_reports(snapshot, folder, compute)
        else:
            snapshot, _compute = holdings(small, 2000)
            ok_b = appendix_alone(snapshot, folder, args.runs)
        print(f"goals: (a) {verdict(ok_a)}, (b) {verdict(ok_b)}")


if __name__ == "__main__":
    main()
