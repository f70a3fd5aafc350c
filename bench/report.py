"""Benchmark of the quarterly report.

1. The full report (snapshot + view + Jinja + WeasyPrint in a limited child process) on
   the small demo, against bare WeasyPrint on the same HTML in this process (goal ≤ 1.3×).
2. A 2,000-row holdings appendix: on ``demo --size large`` when ``--large-db URL`` names a
   database holding it (or ``--load-large`` builds one), otherwise on the small demo's
   holdings repeated to 2,000 rows. Goal ≤ 15 s and ≤ 600 MB peak RSS of the renderer.

    .venv/bin/python bench/report.py [--large-db URL | --load-large] [--runs 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
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


def children_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def full_vs_bare(db: Database, folder: Path, runs: int) -> None:
    print("full report vs bare WeasyPrint (small demo, zh)")
    full, renderer, bare = [], [], []
    for i in range(runs):
        started = time.perf_counter()
        build_report(db, "2026Q3", "zh", folder / f"full-{i}.pdf", "bench")
        full.append(time.perf_counter() - started)
        html = render.render_html("quarterly", "report.html",
                                  quarterly.view(build_snapshot(db, AS_OF), "zh").context)
        started = time.perf_counter()
        render.html_to_pdf(html, folder / f"child-{i}.pdf")
        renderer.append(time.perf_counter() - started)
        bare.append(bare_weasyprint(html, folder / f"bare-{i}.pdf"))
    f, r, b = (statistics.median(x) for x in (full, renderer, bare))
    print(f"  medians of {runs}: full report {f:.2f} s, safe renderer alone {r:.2f} s, "
          f"bare WeasyPrint {b:.2f} s")
    print(f"  full / bare {f / b:.2f}x, safe renderer / bare {r / b:.2f}x (goal <= 1.3x)")


def appendix(db: Database, folder: Path, repeat_to: int | None) -> None:
    snapshot = build_snapshot(db, AS_OF)
    rows = look_through_holdings(db, snapshot)
    if repeat_to:
        source = rows
        rows = [dict(source[i % len(source)], code=f"{source[i % len(source)]['code']}-{i}")
                for i in range(repeat_to)]
        print(f"  appendix: {len(source)} real holdings repeated to {len(rows)} rows")
    else:
        print(f"  appendix: {len(rows)} look-through holdings")
    snapshot.exposure["holdings"] = rows
    before = children_peak_mb()
    started = time.perf_counter()
    view = quarterly.view(snapshot, "zh", appendix="holdings")
    html = render.render_html("quarterly", "report.html", view.context)
    result = render.html_to_pdf(html, folder / "appendix.pdf", timeout=300, memory_mb=2048)
    took = time.perf_counter() - started
    peak = children_peak_mb()
    print(f"  {result.pages} pages in {took:.1f} s (goal <= 15 s); renderer peak RSS "
          f"{peak:.0f} MB (goal <= 600 MB){'' if peak > before else ' (peak of an earlier child)'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large-db", help="URL of a database holding the large demo")
    parser.add_argument("--load-large", action="store_true", help="build the large demo first")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        small = demo_db(folder, "small")
        full_vs_bare(small, folder, args.runs)
        print("2,000-row appendix")
        if args.large_db:
            appendix(Database(args.large_db), folder, None)
        elif args.load_large:
            appendix(demo_db(folder, "large"), folder, None)
        else:
            appendix(small, folder, 2000)


if __name__ == "__main__":
    main()
