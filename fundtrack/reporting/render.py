"""HTML and PDF rendering of the printed documents under ``reports/``.

Templates are Jinja with autoescape on, so a fund or company name is always
text, never markup. WeasyPrint runs with a URL fetcher that serves only the
report kind's own ``assets/`` folder and ``data:`` URLs: no ``file://`` outside
it, no http(s), so a crafted name or a compromised template cannot read the
server's files or call the network. Fonts come from fontconfig by family name
(Noto Sans CJK SC from fonts-noto-cjk) and WeasyPrint embeds the subset it used.

The PDF is rendered in a child process with a wall-clock limit and an address
space limit (``RLIMIT_AS``): a runaway document cannot hang or exhaust the server.
Both limits are settings: ``html_to_pdf(timeout=, memory_mb=)``, else the environment
variables ``FUNDTRACK_RENDER_TIMEOUT_S`` (default 120 s) and
``FUNDTRACK_RENDER_MEMORY_MB`` (default 1536: address space the child may add to what it
inherits at fork; the large demo's report with its 2,000-row appendix needs far less, see
``bench/report.py``). The child reports its peak resident memory with the result.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import time
import traceback
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import jinja2

from fundtrack.reporting import formatting

REPORTS_ROOT = Path(__file__).resolve().parents[2] / "reports"
DEFAULT_TIMEOUT_S = 120
#: Address space the child may add on top of what it inherits from the parent at fork.
DEFAULT_MEMORY_MB = 1536
TIMEOUT_ENV = "FUNDTRACK_RENDER_TIMEOUT_S"
MEMORY_ENV = "FUNDTRACK_RENDER_MEMORY_MB"


def limits(timeout: float | None = None, memory_mb: int | None = None) -> tuple[float, int]:
    """The renderer's (seconds, MB): the arguments, else the environment, else the defaults."""

    def setting(name: str, default, kind):
        raw = os.environ.get(name, "").strip()
        if not raw:
            return default
        try:
            value = kind(raw)
        except ValueError:
            raise RenderError(f"{name}={raw!r} is not a number") from None
        if value <= 0:
            raise RenderError(f"{name} must be positive, not {raw}")
        return value

    return (
        timeout if timeout is not None else setting(TIMEOUT_ENV, DEFAULT_TIMEOUT_S, float),
        memory_mb if memory_mb is not None else setting(MEMORY_ENV, DEFAULT_MEMORY_MB, int),
    )


class RenderError(RuntimeError):
    """The PDF could not be produced: timeout, memory limit, or an error in the child."""


def environment(kind: str = "quarterly") -> jinja2.Environment:
    """The Jinja environment of one report kind (``reports/<kind>/``), with our filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(REPORTS_ROOT / kind)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    formatting.install(env)
    env.filters["fixed"] = fixed_width
    env.globals["LONG_COLUMNS"] = LONG_COLUMNS
    return env


#: Character cells of the long appendix's columns (a CJK character takes two).
LONG_COLUMNS = (42, 28, 32, 20, 9)
#: Monospace cells that fit the A4 text width at the appendix's 7 pt (178 mm / 3.5 pt ≈ 144).
LINE_CELLS = 140


def text_cells(value) -> int:
    """Monospace cells ``value`` takes: two per wide (CJK) character, one otherwise."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_cells(columns: list[str], rows: list[list], budget: int = LINE_CELLS) -> list[int]:
    """Cells per column for a one-line-per-row table: each column's widest text, the widest
    columns narrowed (their text then cut with "…") until the line fits ``budget``."""
    widths = [text_cells(label) for label in columns]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], text_cells(cell))
    budget -= len(widths) - 1  # one space between columns
    while sum(widths) > budget and max(widths) > 4:
        widths[widths.index(max(widths))] -= 1
    return widths


def fixed_width(value, width: int, align: str = "l") -> str:
    """``value`` as exactly ``width`` monospace cells: cut with "…" or padded with spaces.

    The long appendix prints each row as one line of monospace text: WeasyPrint's time
    grows with the number of boxes, and a table row costs about four times a line.
    """
    text = "" if value is None else str(value)
    cells = [2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text]
    if sum(cells) > width:
        kept, used = [], 0
        for ch, w in zip(text, cells, strict=True):
            if used + w > width - 1:
                break
            kept.append(ch)
            used += w
        text, cells = "".join(kept) + "…", [*cells[: len(kept)], 1]
    pad = " " * (width - sum(cells))
    return pad + text if align == "r" else text + pad


def render_html(kind: str, template: str, context: dict) -> str:
    return environment(kind).get_template(template).render(**context)


def assets_dir(kind: str = "quarterly") -> Path:
    return REPORTS_ROOT / kind / "assets"


def _fetcher_class():
    from weasyprint.urls import URLFetcher

    class AssetsOnlyFetcher(URLFetcher):
        """Serves ``data:`` URLs and files inside one folder; refuses (and records) the rest."""

        def __init__(self, root: Path):
            super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)
            self.root = os.path.realpath(root)
            self.fetched: list[str] = []
            self.refused: list[str] = []

        def allows(self, url: str) -> bool:
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme == "data":
                return True
            if scheme != "file" or parts.netloc not in ("", "localhost"):
                return False
            path = os.path.realpath(url2pathname(parts.path))
            return os.path.commonpath([path, self.root]) == self.root

        def fetch(self, url, headers=None):
            if not self.allows(url):
                self.refused.append(url)
                raise ValueError(f"refused to fetch {url[:200]}: outside the report's assets")
            self.fetched.append(url[:100])
            return super().fetch(url, headers)

    return AssetsOnlyFetcher


def make_fetcher(root: Path):
    """A WeasyPrint URL fetcher limited to ``root`` and ``data:`` URLs (see module doc)."""
    return _fetcher_class()(root)


@dataclass
class PdfResult:
    path: Path
    pages: int
    seconds: float
    fetched: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    #: The child's peak resident memory (MB), and how much of it was resident at its start
    #: (pages shared with the parent at fork, counted by the kernel in the child's RSS).
    peak_rss_mb: float = 0.0
    start_rss_mb: float = 0.0


def _write_pdf(html: str, out_path: Path, root: Path) -> dict:
    """Render in this process (the child's body; also what the benchmark calls directly)."""
    from weasyprint import HTML

    fetcher = make_fetcher(root)
    document = HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=fetcher).render()
    tmp = out_path.with_name(out_path.name + ".part")
    # No attachments: <link rel=attachment> would need the fetcher, and we pass none.
    document.write_pdf(tmp, attachments=[], pdf_tags=False)
    os.replace(tmp, out_path)
    return {"pages": len(document.pages), "fetched": fetcher.fetched, "refused": fetcher.refused}


def _status_kb(key: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def _vm_bytes() -> int:
    return _status_kb("VmSize") * 1024


def _child(conn, html: str, out_path: str, root: str, memory_mb: int) -> None:
    try:
        # The limit is on top of what the fork inherited (the parent's libraries).
        start_rss_kb = _status_kb("VmRSS")
        limit = _vm_bytes() + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        payload = _write_pdf(html, Path(out_path), Path(root))
        payload["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        payload["start_rss_mb"] = start_rss_kb / 1024
        conn.send(("ok", payload))
    except MemoryError:
        conn.send(("error", f"the renderer ran out of its {memory_mb} MB memory limit"))
    except BaseException as exc:  # report everything to the parent, then exit
        conn.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"))
    finally:
        conn.close()


def html_to_pdf(
    html: str,
    out_path: Path | str,
    *,
    kind: str = "quarterly",
    timeout: float | None = None,
    memory_mb: int | None = None,
) -> PdfResult:
    """Write ``html`` as a PDF at ``out_path`` in a child process with time and memory limits
    (``None``: from the environment or the defaults, see the module doc)."""
    timeout, memory_mb = limits(timeout, memory_mb)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    context = multiprocessing.get_context("fork")
    parent_conn, child_conn = context.Pipe(duplex=False)
    process = context.Process(
        target=_child,
        args=(child_conn, html, str(out_path), str(assets_dir(kind)), memory_mb),
        daemon=True,
    )
    process.start()
    child_conn.close()
    try:
        if not parent_conn.poll(timeout):
            raise RenderError(f"rendering the PDF took longer than {timeout:.0f} s")
        status, payload = parent_conn.recv()
    except EOFError as exc:
        raise RenderError(f"the renderer died (exit code {process.exitcode})") from exc
    finally:
        if process.is_alive():
            os.kill(process.pid, signal.SIGKILL)
        process.join()
        parent_conn.close()
        Path(str(out_path) + ".part").unlink(missing_ok=True)
    if status != "ok":
        raise RenderError(payload)
    return PdfResult(
        path=out_path,
        pages=payload["pages"],
        seconds=time.perf_counter() - started,
        fetched=payload["fetched"],
        refused=payload["refused"],
        peak_rss_mb=payload["peak_rss_mb"],
        start_rss_mb=payload["start_rss_mb"],
    )
