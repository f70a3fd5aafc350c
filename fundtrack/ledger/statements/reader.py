"""Reading an uploaded statement into rows of cells, with the defences an upload needs.

CSV comes as UTF-8 (with or without a BOM) or GB18030, the encoding Chinese
Excel writes; XLSX is read with openpyxl in read-only mode. Before anything is
parsed the file's size is checked; an XLSX archive is also checked member by
member, decompressing for real (the sizes a zip declares can lie) so a zip bomb
is refused before openpyxl sees it. openpyxl parses XML with defusedxml when
it is installed, which refuses entity declarations (billion laughs); reading
refuses to go on if that protection is off. Row numbers are the file's own:
the header is line 1.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from fundtrack.ledger.errors import LedgerError, Problem

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What an upload may be; the defaults suit a quarterly GP statement with room to spare."""

    max_bytes: int = 50 * MB
    max_rows: int = 200_000
    #: total uncompressed size of an XLSX's members, measured while decompressing.
    max_unzipped: int = 500 * MB
    #: uncompressed ÷ compressed for one member; spreadsheet XML stays well under this.
    max_ratio: int = 100
    max_members: int = 2_000


@dataclass
class Table:
    """A header and an iterator of (line number, cells); cells are text or XLSX values."""

    format: str
    header: list[object]
    rows: Iterator[tuple[int, list[object]]]


def _refuse(field: str, message: str, row: int | None = None) -> LedgerError:
    return LedgerError([Problem(field, message, row)])


def read_table(filename: str, data: bytes, limits: Limits | None = None) -> Table:
    """Open ``data`` as CSV or XLSX (by content, not by name) or raise ``LedgerError``."""
    limits = limits or Limits()
    if len(data) > limits.max_bytes:
        raise _refuse(
            "file",
            f"{filename} is {len(data) / MB:.1f} MB; the limit is {limits.max_bytes / MB:.0f} MB",
        )
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, limits)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse("file", "an old .xls workbook: save it as .xlsx or CSV")
    if filename.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise _refuse("file", f"{filename} is not a valid Excel workbook")
    return _read_csv(data, limits)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _refuse("file", "UTF-16 text: save the file as CSV (UTF-8)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise _refuse("file", "the file is neither UTF-8 nor GB18030 text") from None


def _read_csv(data: bytes, limits: Limits) -> Table:
    if b"\x00" in data[:4096]:
        raise _refuse("file", "not a text file (CSV) nor an XLSX workbook")
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise _refuse("file", "the file is empty") from None
    except csv.Error as exc:
        raise _refuse("file", f"line 1 is not valid CSV: {exc}") from None

    def rows() -> Iterator[tuple[int, list[object]]]:
        start = reader.line_num + 1
        count = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise _refuse("file", f"not valid CSV: {exc}", start) from None
            line, start = start, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            count += 1
            if count > limits.max_rows:
                raise _refuse("file", f"more than {limits.max_rows:,} rows", line)
            yield line, list(cells)

    return Table("csv", list(header), rows())


def check_archive(data: bytes, limits: Limits) -> None:
    """Refuse a zip whose members inflate beyond the limits (decompressing to measure)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _refuse("file", "not a valid XLSX workbook (damaged zip)") from None
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise _refuse("file", f"the workbook has {len(members):,} parts: too many")
    total = 0
    for info in members:
        if (
            info.file_size > limits.max_unzipped
            or info.file_size > max(info.compress_size, 1024) * limits.max_ratio
        ):
            raise _refuse("file", f"{info.filename} inflates too much: a zip bomb?")
        seen = 0
        try:
            with archive.open(info) as member:
                while chunk := member.read(1 * MB):
                    seen += len(chunk)
                    total += len(chunk)
                    if seen > max(info.compress_size, 1024) * limits.max_ratio:
                        raise _refuse("file", f"{info.filename} inflates too much: a zip bomb?")
                    if total > limits.max_unzipped:
                        raise _refuse(
                            "file",
                            f"the workbook inflates beyond {limits.max_unzipped / MB:.0f} MB",
                        )
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise _refuse("file", f"not a valid XLSX workbook: {exc}") from None
        except NotImplementedError as exc:
            raise _refuse("file", f"unsupported compression: {exc}") from None


def _defused(exc: BaseException | None, kind: type) -> BaseException | None:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, kind):
            return exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def _read_xlsx(data: bytes, limits: Limits) -> Table:
    import openpyxl
    from defusedxml import DefusedXmlException

    if not openpyxl.DEFUSEDXML:
        # openpyxl decides at import time (OPENPYXL_DEFUSEDXML); without it, no XLSX.
        raise _refuse("file", "XLSX import needs openpyxl with defusedxml enabled")
    check_archive(data, limits)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        # The <dimension> a writer declares may be wrong; read the rows actually there.
        sheet.reset_dimensions()
        cells = sheet.iter_rows(values_only=True)
        header = next(cells, None)
    except (KeyError, ValueError, TypeError, zipfile.BadZipFile, IndexError) as exc:
        # openpyxl wraps what defusedxml refused in a ValueError of its own.
        refused = _defused(exc, DefusedXmlException)
        if refused is not None:
            raise _refuse("file", f"the workbook's XML is refused: {refused}") from None
        raise _refuse("file", f"not a readable XLSX workbook: {exc}") from None
    if header is None:
        raise _refuse("file", "the first sheet is empty")
    header_list = list(header)
    while header_list and header_list[-1] in (None, ""):
        header_list.pop()

    def rows() -> Iterator[tuple[int, list[object]]]:
        count = 0
        try:
            for line, values in enumerate(cells, start=2):
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                    continue
                count += 1
                if count > limits.max_rows:
                    raise _refuse("file", f"more than {limits.max_rows:,} rows", line)
                yield line, list(values)
        except LedgerError:
            raise
        except (KeyError, ValueError, TypeError) as exc:
            refused = _defused(exc, DefusedXmlException)
            if refused is not None:
                raise _refuse("file", f"the workbook's XML is refused: {refused}") from None
            raise _refuse("file", f"not a readable XLSX sheet: {exc}") from None
        finally:
            book.close()

    return Table("xlsx", header_list, rows())
