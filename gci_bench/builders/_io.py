"""Reading, decoding and bad-line reporting shared by every builder.

The raw corpora are real and messy: CAIL2018's train file is GB18030, some CSVs start with a
BOM, files get truncated by partial downloads. Builders call these helpers instead of ``open`` so
each problem is handled once, the same way, and reported with file and line.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes

from gci_bench.builders.base import BuildReport, SourceRecord

_GB_FAMILY = {"gb18030", "gbk", "gb2312", "hz", "big5"}
_GB18030_BOM = b"\x84\x31\x95\x33"


def read_bytes(path: Path, rel: str, report: BuildReport) -> bytes | None:
    """The file's bytes, or None (reported) when the file is empty."""
    data = path.read_bytes()
    if not data.strip():
        report.drop(rel, None, "empty file: expected at least one record")
        return None
    return data


def detect_encoding(
    data: bytes, rel: str, report: BuildReport, expected: tuple[str, ...] = ("utf-8",)
) -> str:
    """Return the codec to decode ``data`` with: UTF-8 when it is, else the detected one.

    A non-UTF-8 file is decoded, not rejected. When its codec is one the source documents
    (``expected``: CAIL2018 ships GB18030) that is a note; otherwise a warning, so a user sees
    which files were re-decoded (and ``--strict`` stops). Detection looks at the first 256 KiB
    only; GB2312/GBK guesses are widened to GB18030, their superset.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith(_GB18030_BOM):
        _unexpected(report, rel, "gb18030", expected, "GB18030 byte-order mark")
        return "gb18030"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    guess = from_bytes(data[: 256 * 1024]).best()
    codec = guess.encoding.lower().replace("-", "").replace("_", "") if guess else ""
    if codec in _GB_FAMILY or codec.startswith("gb") or not codec:
        codec = "gb18030"
    _unexpected(report, rel, codec, expected, "not UTF-8")
    return codec


def _unexpected(
    report: BuildReport, rel: str, codec: str, expected: tuple[str, ...], what: str
) -> None:
    message = f"{what}: detected {codec.upper()}, decoded as {codec.upper()}"
    if codec in expected:
        report.note(rel, None, message + " (documented for this source)")
    else:
        report.warn(rel, None, message)


def decode_text(path: Path, rel: str, report: BuildReport) -> str | None:
    """The whole file as text (BOM removed), or None when empty or undecodable (reported)."""
    data = read_bytes(path, rel, report)
    if data is None:
        return None
    codec = detect_encoding(data, rel, report)
    if codec == "gb18030" and data.startswith(_GB18030_BOM):
        data = data[len(_GB18030_BOM) :]
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError) as exc:
        report.drop(rel, None, f"cannot decode as {codec}: {exc}")
        return None


def iter_json_lines(
    path: Path,
    rel: str,
    report: BuildReport,
    required: Iterable[str] = (),
    encodings: tuple[str, ...] = ("utf-8",),
) -> Iterator[SourceRecord]:
    """Yield one record per JSON line; bad lines are dropped with their number and reason.

    Each line is decoded on its own, so one undecodable or truncated line costs only itself.
    """
    data = read_bytes(path, rel, report)
    if data is None:
        return
    codec = detect_encoding(data, rel, report, encodings)
    if data.startswith(_GB18030_BOM):
        data = data[len(_GB18030_BOM) :]
    elif data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    codec = "utf-8" if codec == "utf-8-sig" else codec
    required = tuple(required)
    for lineno, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError as exc:
            report.drop(rel, lineno, f"cannot decode line as {codec}: {exc.reason}")
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            report.drop(rel, lineno, f"invalid JSON ({exc.msg} at column {exc.colno})")
            continue
        rec = _checked(obj, rel, lineno, report, required)
        if rec is not None:
            yield rec


def iter_json_array(
    path: Path, rel: str, report: BuildReport, required: Iterable[str] = ()
) -> Iterator[SourceRecord]:
    """Yield the elements of a top-level JSON array with the line each element starts on.

    Elements are decoded one at a time, so a truncated file still yields every complete element
    before the damage and reports the line where it stopped.
    """
    text = decode_text(path, rel, report)
    if text is None:
        return
    decoder = json.JSONDecoder()
    required = tuple(required)
    pos = _skip_ws(text, 0)
    if pos >= len(text) or text[pos] != "[":
        report.drop(rel, 1, "expected a JSON array ('[') at the start of the file")
        return
    pos = _skip_ws(text, pos + 1)
    if pos < len(text) and text[pos] == "]":
        report.drop(rel, None, "empty JSON array: expected at least one record")
        return
    while pos < len(text):
        lineno = text.count("\n", 0, pos) + 1
        try:
            obj, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            report.drop(rel, lineno, f"invalid JSON ({exc.msg}); the rest of the file is skipped")
            return
        rec = _checked(obj, rel, lineno, report, required)
        if rec is not None:
            yield rec
        pos = _skip_ws(text, end)
        if pos < len(text) and text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
        elif pos < len(text) and text[pos] == "]":
            return
        else:
            line = text.count("\n", 0, pos) + 1
            report.drop(rel, line, "truncated JSON array: expected ',' or ']'")
            return


def iter_csv(
    path: Path,
    rel: str,
    report: BuildReport,
    required: Iterable[str] = (),
    delimiter: str = ",",
    fieldnames: list[str] | None = None,
) -> Iterator[SourceRecord]:
    """Yield CSV/TSV rows as dicts with the physical line each row starts on."""
    text = decode_text(path, rel, report)
    if text is None:
        return
    required = tuple(required)
    reader = csv.DictReader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        fieldnames=fieldnames,
        quoting=csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL,
    )
    start = 1 if fieldnames else 2
    try:
        for row in reader:
            lineno = start
            start = reader.line_num + 1
            if None in row:
                report.drop(
                    rel,
                    lineno,
                    f"row has {len(row) + len(row[None]) - 1} fields, expected {len(reader.fieldnames or [])}",
                )
                continue
            clean = {k.strip(): (v or "") for k, v in row.items() if k is not None}
            rec = _checked(clean, rel, lineno, report, required)
            if rec is not None:
                yield rec
    except csv.Error as exc:
        report.drop(rel, reader.line_num, f"malformed CSV: {exc}; the rest of the file is skipped")


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _checked(
    obj: Any, rel: str, lineno: int, report: BuildReport, required: tuple[str, ...]
) -> SourceRecord | None:
    if not isinstance(obj, dict):
        report.drop(rel, lineno, f"expected a JSON object, got {type(obj).__name__}")
        return None
    for key in required:
        value = obj.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            report.drop(rel, lineno, f"missing required field {key!r}")
            return None
    return SourceRecord(obj, rel, lineno)
