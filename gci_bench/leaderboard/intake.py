"""Reading a submission without trusting it.

A leaderboard takes files from strangers, so everything here assumes the worst: a symbolic link
that points at ``/etc/passwd``, an archive member named ``../../.bashrc``, a 10 GB "results.json",
a pickle that runs code when loaded, a model name that is really a ``<script>``. The rules:

* only plain files and directories; links, devices and pipes are refused, not followed;
* archive members must stay inside the archive's own directory (no absolute names, no ``..``);
* every file has a size limit and the submission a total one, checked from ``lstat`` (or the
  archive header) *before* anything is read, and again while reading;
* only known data suffixes are allowed, and pickle-capable ones are named as such: nothing
  submitted is ever executed, imported or unpickled — it is read as UTF-8 JSON and nothing else;
* JSON is parsed strictly: no ``NaN``/``Infinity``, no duplicate keys, bounded nesting;
* text that will be shown on the web page may not contain markup (tags, ``javascript:`` URLs,
  ``on…=`` event handlers); what is left is escaped again when rendered.

Files are read from a private snapshot (a temporary copy made with ``O_NOFOLLOW``), so a
submission that changes under our feet between the checks and the reads gains nothing.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from gci_bench.errors import GciError

MB = 1024 * 1024

#: File types a run directory may hold. Everything else is refused, which also keeps binaries
#: (and anything a browser or a tool might execute) out of the registry.
ALLOWED_SUFFIXES = frozenset({".json", ".jsonl", ".md", ".txt", ".csv", ".png", ".log"})

#: Suffixes of formats that can run code when loaded (pickle and friends): refused by name, so
#: the reason says why rather than "unknown type".
PICKLE_SUFFIXES = frozenset(
    {".pkl", ".pickle", ".pt", ".pth", ".bin", ".joblib", ".npy", ".npz", ".ckpt", ".dill"}
)

#: Suffixes read as archives by :func:`open_submission`.
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz")

#: Deepest JSON nesting accepted (results.json needs about 6).
MAX_JSON_DEPTH = 32

#: Markup in a text field: an HTML tag or comment, a script URL scheme, an event-handler attribute.
_MARKUP = re.compile(
    r"<\s*[a-z/!?]|(?:java|vb)script\s*:|data\s*:\s*text/html|\bon[a-z]+\s*=", re.IGNORECASE
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class SubmissionRejected(GciError):
    """A submission that failed a check; ``reasons`` lists every failed check, one line each."""

    def __init__(self, reasons: Iterable[str]) -> None:
        self.reasons = list(reasons)
        shown = self.reasons[:8]
        more = f"; … and {len(self.reasons) - 8} more" if len(self.reasons) > 8 else ""
        super().__init__("submission rejected: " + "; ".join(shown) + more)


@dataclass(frozen=True)
class Limits:
    """Size limits of one submission (stored in registry.json)."""

    max_file_bytes: int = 50 * MB
    max_total_bytes: int = 200 * MB
    max_files: int = 1000

    def to_json(self) -> dict[str, int]:
        return {
            "max_file_bytes": self.max_file_bytes,
            "max_total_bytes": self.max_total_bytes,
            "max_files": self.max_files,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Limits:
        return cls(int(obj["max_file_bytes"]), int(obj["max_total_bytes"]), int(obj["max_files"]))


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{n} bytes"


def file_type_problem(rel: str) -> str | None:
    """Why a file name is not allowed in a submission, or None."""
    name = rel.rsplit("/", 1)[-1].lower()
    suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    if suffix in PICKLE_SUFFIXES:
        return (
            f"{rel}: pickle-capable file type {suffix} refused "
            "(nothing submitted is ever unpickled or executed; submit JSON only)"
        )
    if suffix not in ALLOWED_SUFFIXES:
        allowed = " ".join(sorted(ALLOWED_SUFFIXES))
        return f"{rel}: file type {suffix or '(none)'} not allowed (allowed: {allowed})"
    return None


@dataclass
class Scan:
    """What a directory holds: relative POSIX path → size, and the problems found."""

    files: dict[str, int]
    problems: list[str]

    @property
    def total(self) -> int:
        return sum(self.files.values())


def scan_directory(root: Path, limits: Limits) -> Scan:
    """Walk ``root`` without following links and check every entry against the rules.

    Only ``lstat`` is used, so a link is seen as a link (and refused, with its target named)
    and never followed to what it points at.
    """
    problems: list[str] = []
    files: dict[str, int] = {}
    try:
        root_stat = os.lstat(root)
    except FileNotFoundError:
        raise GciError(f"{root}: no such run directory") from None
    if stat.S_ISLNK(root_stat.st_mode):
        raise SubmissionRejected([f"{root} is a symbolic link; submit the directory itself"])
    real_root = os.path.realpath(root)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in sorted(dirnames + filenames):
            full = os.path.join(dirpath, name)
            rel = PurePosixPath(os.path.relpath(full, root)).as_posix()
            st = os.lstat(full)
            if stat.S_ISLNK(st.st_mode):
                target = os.readlink(full)
                resolved = os.path.realpath(full)
                where = (
                    "outside the submission"
                    if os.path.commonpath([real_root, resolved]) != real_root
                    else "inside the submission"
                )
                problems.append(
                    f"{rel}: symbolic link to {target} ({where}) refused; links are never followed"
                )
                if name in dirnames:
                    dirnames.remove(name)
            elif stat.S_ISDIR(st.st_mode):
                continue
            elif not stat.S_ISREG(st.st_mode):
                problems.append(f"{rel}: not a regular file (device, socket or pipe) refused")
            else:
                type_problem = file_type_problem(rel)
                if type_problem:
                    problems.append(type_problem)
                if st.st_size > limits.max_file_bytes:
                    problems.append(
                        f"{rel}: {_size(st.st_size)} is over the "
                        f"{_size(limits.max_file_bytes)} limit per file"
                    )
                files[rel] = st.st_size
        if len(files) > limits.max_files:
            problems.append(f"more than {limits.max_files} files (limit per submission)")
            break
    scan = Scan(files, problems)
    if scan.total > limits.max_total_bytes:
        problems.append(
            f"{_size(scan.total)} in all is over the {_size(limits.max_total_bytes)} "
            "limit per submission"
        )
    return scan


def snapshot(root: Path, rels: Iterable[str], dest: Path, limits: Limits) -> None:
    """Copy the files ``rels`` of a scanned directory to ``dest``, refusing links on the way.

    Each path component is opened with ``O_NOFOLLOW`` (through a directory descriptor), so a file
    swapped for a link after :func:`scan_directory` makes the copy fail instead of leaking the
    link's target. At most ``max_file_bytes`` are copied from any file.
    """
    flags_dir = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_DIRECTORY", 0)
    for rel in rels:
        parts = PurePosixPath(rel).parts
        fds: list[int] = []
        try:
            fds.append(os.open(root, flags_dir))
            for part in parts[:-1]:
                fds.append(os.open(part, flags_dir, dir_fd=fds[-1]))
            fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW, dir_fd=fds[-1])
        except OSError as exc:
            for f in fds:
                os.close(f)
            raise SubmissionRejected([f"{rel}: cannot be read safely ({exc.strerror})"]) from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise SubmissionRejected([f"{rel}: not a regular file"])
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with os.fdopen(fd, "rb", closefd=False) as src, target.open("wb") as out:
                _copy_capped(src, out, rel, limits.max_file_bytes)
        finally:
            os.close(fd)
            for f in fds:
                os.close(f)


def _copy_capped(src: BinaryIO, out: BinaryIO, rel: str, cap: int) -> int:
    """Copy at most ``cap`` bytes; more is a rejection (a file that grew, or an archive bomb)."""
    copied = 0
    while chunk := src.read(1 << 20):
        copied += len(chunk)
        if copied > cap:
            raise SubmissionRejected([f"{rel}: over the {_size(cap)} limit per file"])
        out.write(chunk)
    return copied


def is_archive(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(ARCHIVE_SUFFIXES)


def member_problem(name: str) -> str | None:
    """Why an archive member name would land outside the archive's directory, or None."""
    if "\\" in name or "\x00" in name:
        return f"{name!r}: member name with a backslash or NUL refused"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return f"{name}: absolute path refused (paths must stay inside the submission)"
    if ".." in PurePosixPath(name).parts:
        return f"{name}: '..' path refused (paths must stay inside the submission)"
    return None


def unpack_archive(archive: Path, dest: Path, limits: Limits) -> None:
    """Unpack a .zip or .tar(.gz) submission into ``dest`` after checking every member.

    All members are checked first (names, kinds, declared sizes) and nothing is written unless
    all pass; regular files are then copied member by member with the size cap enforced on the
    bytes actually read, so a header that lies about its size gains nothing. Links and devices
    are refused rather than recreated.
    """
    lower = archive.name.lower()
    try:
        if lower.endswith(".zip"):
            with zipfile.ZipFile(archive) as zf:
                _unpack_zip(zf, dest, limits)
        else:
            with tarfile.open(archive, "r:*") as tf:
                _unpack_tar(tf, dest, limits)
    except (
        zipfile.BadZipFile,
        tarfile.TarError,
        EOFError,
        zlib.error,
        gzip.BadGzipFile,
        NotImplementedError,  # a zip compression method Python lacks
        RuntimeError,  # an encrypted zip member
    ) as exc:
        raise SubmissionRejected([f"{archive.name}: not a readable archive ({exc})"]) from None


def _check_members(entries: list[tuple[str, str, int]], limits: Limits) -> None:
    """``entries``: (name, kind, declared size) with kind file/dir/link/other."""
    problems: list[str] = []
    total = 0
    for name, kind, size in entries:
        problem = member_problem(name)
        if problem:
            problems.append(problem)
            continue
        if kind == "link":
            problems.append(f"{name}: link member refused; links are never followed")
        elif kind == "other":
            problems.append(f"{name}: not a regular file (device or pipe) refused")
        elif kind == "file":
            type_problem = file_type_problem(name.rstrip("/"))
            if type_problem:
                problems.append(type_problem)
            if size > limits.max_file_bytes:
                problems.append(
                    f"{name}: {_size(size)} is over the {_size(limits.max_file_bytes)} limit "
                    "per file"
                )
            total += size
    if len(entries) > limits.max_files:
        problems.append(f"more than {limits.max_files} files (limit per submission)")
    if total > limits.max_total_bytes:
        problems.append(
            f"{_size(total)} in all is over the {_size(limits.max_total_bytes)} limit "
            "per submission"
        )
    if problems:
        raise SubmissionRejected(problems)


def _unpack_zip(zf: zipfile.ZipFile, dest: Path, limits: Limits) -> None:
    entries = []
    for info in zf.infolist():
        mode = info.external_attr >> 16
        if info.is_dir():
            kind = "dir"
        elif stat.S_ISLNK(mode):
            kind = "link"
        elif mode and not stat.S_ISREG(mode):
            kind = "other"
        else:
            kind = "file"
        entries.append((info.filename, kind, info.file_size))
    _check_members(entries, limits)
    for info in zf.infolist():
        target = dest / info.filename
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as src, target.open("wb") as out:
            _copy_capped(src, out, info.filename, limits.max_file_bytes)


def _unpack_tar(tf: tarfile.TarFile, dest: Path, limits: Limits) -> None:
    members = tf.getmembers()
    entries = []
    for m in members:
        if m.isdir():
            kind = "dir"
        elif m.issym() or m.islnk():
            kind = "link"
        elif m.isfile():
            kind = "file"
        else:
            kind = "other"
        entries.append((m.name, kind, m.size))
    _check_members(entries, limits)
    for m in members:
        target = dest / m.name
        if m.isdir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        src = tf.extractfile(m)
        if src is None:  # pragma: no cover - every member left here is a regular file
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with src, target.open("wb") as out:
            _copy_capped(src, out, m.name, limits.max_file_bytes)


def open_submission(source: Path, work: Path, limits: Limits) -> tuple[Path, Scan, str]:
    """A checked private copy of a submission: (its root, its scan, "directory"/"archive").

    ``source`` is a run directory or an archive of one. Raises :class:`SubmissionRejected` with
    every problem found by the scan. The root of an archive whose members all sit in one
    top-level directory is that directory.
    """
    source = Path(source)
    if is_archive(source):
        if source.stat().st_size > limits.max_total_bytes:
            raise SubmissionRejected(
                [f"{source.name}: archive larger than the {_size(limits.max_total_bytes)} limit"]
            )
        unpacked = work / "unpacked"
        unpacked.mkdir()
        unpack_archive(source, unpacked, limits)
        tops = list(unpacked.iterdir())
        root = tops[0] if len(tops) == 1 and tops[0].is_dir() else unpacked
        scan = scan_directory(root, limits)
        if scan.problems:
            raise SubmissionRejected(scan.problems)
        return root, scan, "archive"
    if not source.exists() and not source.is_symlink():
        raise GciError(f"{source}: no such run directory or archive")
    if source.is_file():
        raise GciError(
            f"{source}: expected a run directory or an archive ({', '.join(ARCHIVE_SUFFIXES)})"
        )
    scan = scan_directory(source, limits)
    if scan.problems:
        raise SubmissionRejected(scan.problems)
    root = work / "snapshot"
    root.mkdir()
    snapshot(source, scan.files, root, limits)
    return root, scan, "directory"


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"duplicate key {key!r}")
        obj[key] = value
    return obj


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _depth(obj: Any, limit: int) -> int:
    """Nesting depth of a parsed JSON value, stopping early once past ``limit``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(obj, 1)]
    while stack:
        value, d = stack.pop()
        if d > limit:
            return d
        deepest = max(deepest, d)
        if isinstance(value, dict):
            stack.extend((v, d + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, d + 1) for v in value)
    return deepest


def parse_json(text: str, where: str) -> Any:
    """Strict JSON: NaN/Infinity and duplicate keys refused, nesting bounded."""
    try:
        obj = json.loads(text, parse_constant=_no_constants, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise SubmissionRejected(
            [f"{where}: invalid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})"]
        ) from None
    except ValueError as exc:
        raise SubmissionRejected([f"{where}: {exc}"]) from None
    except RecursionError:
        raise SubmissionRejected([f"{where}: JSON nested too deeply"]) from None
    if _depth(obj, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise SubmissionRejected([f"{where}: JSON nested deeper than {MAX_JSON_DEPTH} levels"])
    return obj


def read_text(path: Path, where: str, limit: int) -> str:
    """UTF-8 text of a file no larger than ``limit`` bytes."""
    if path.stat().st_size > limit:
        raise SubmissionRejected([f"{where}: over the {_size(limit)} limit per file"])
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SubmissionRejected([f"{where}: not UTF-8 text (byte {exc.start})"]) from None


def read_json(path: Path, where: str, limit: int) -> Any:
    """A submitted JSON file, parsed strictly (see :func:`parse_json`)."""
    return parse_json(read_text(path, where, limit), where)


def read_jsonl(path: Path, where: str, limit: int) -> list[tuple[int, Any]]:
    """(line number, value) of every non-empty line of a submitted JSON-lines file.

    Lines end at "\n" only: ``str.splitlines`` would also break at U+2028 or U+0085, which JSON
    writers leave unescaped inside strings.
    """
    out = []
    for lineno, line in enumerate(read_text(path, where, limit).split("\n"), 1):
        if line.strip():
            out.append((lineno, parse_json(line, f"{where}:{lineno}")))
    return out


def text_problem(value: str, where: str, *, max_len: int, multiline: bool = False) -> str | None:
    """Why a text field may not be stored (markup, control characters, length), or None.

    Markup is refused rather than escaped on the way in, so a stored card reads exactly as it
    was submitted; the renderer escapes every field anyway (defence in depth).
    """
    if len(value) > max_len:
        return f"{where}: {len(value)} characters, at most {max_len} allowed"
    found = _MARKUP.search(value)
    if found:
        return f"{where}: HTML/JavaScript markup {found.group(0)!r} is not allowed in text fields"
    ctl = _CONTROL.search(value) if multiline else re.search(r"[\x00-\x1f\x7f]", value)
    if ctl:
        return f"{where}: control character {ctl.group(0)!r} is not allowed"
    return None


def remove_tree(path: Path) -> None:
    """Delete a directory we created (used to undo a half-written entry)."""
    shutil.rmtree(path, ignore_errors=True)
