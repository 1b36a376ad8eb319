"""The wire format, versions 1 and 2 (2 adds the base values of a push row).

A message is NDJSON, compressed (zstd, or gzip where zstandard is missing):

    {"v": 1, ...header...}
    {"t": "hazard", "c": ["id", "village_id", ...]}     a table starts (columns sent once per message)
    [value, value, ...]                                  one row; a push row starts with seq, base version, base
                                                         hlc and (version 2) the base values of the columns the
                                                         device changed ({column: value} or null)
    {"t": "person", "c": [...]}
    [...]
    {"end": 2}                                           trailer: the number of rows

The trailer makes a truncated message fail loudly whatever the compression did. Sizes are bounded
before and after decompression, so a small body cannot expand into a large one.
"""
from __future__ import annotations

import gzip
import io
import json
import zlib

try:
    import zstandard
except ImportError:  # pragma: no cover - zstandard is a dependency; gzip keeps sync working without it
    zstandard = None

VERSION = 2
VERSIONS = (1, 2)  # a township reads both, and answers in the version it was spoken to
CONTENT_TYPE = "application/x-ndjson"
# batches: at most this many records and about this many bytes before compression. Large enough
# that compression finds the repetition between rows (2,000 rows compress to within a few per cent of
# the whole file, 500 to some 10 % more) and a first sync is a few round trips, not dozens; an older
# kiosk asks for 500 (``limit``) and gets that
MAX_RECORDS = 2000
MAX_BATCH_BYTES = 2_000_000
# level 9 is some 5 % smaller than 6 on a batch of rows, at a few ms of a Raspberry Pi's time a batch
ZSTD_LEVEL = 9
# a message is refused when larger than this, compressed or not
MAX_BODY_BYTES = 4 * 1024 * 1024


class WireError(ValueError):
    """A message that cannot be accepted: ``code`` is stable, ``message`` says why."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def encodings() -> list[str]:
    return ["zstd", "gzip"] if zstandard else ["gzip"]


def compress(data: bytes, encoding: str) -> bytes:
    if encoding == "zstd" and zstandard:
        return zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(data)
    if encoding == "gzip":
        return gzip.compress(data, compresslevel=6, mtime=0)
    if encoding == "identity":
        return data
    raise WireError("bad_encoding", f"unsupported content encoding {encoding!r}", 415)


def decompress(data: bytes, encoding: str, limit: int = MAX_BODY_BYTES) -> bytes:
    if len(data) > limit:
        raise WireError("too_large", f"message of {len(data)} bytes exceeds the limit of {limit}", 413)
    encoding = (encoding or "identity").strip().lower()
    if encoding == "identity":
        return data
    if encoding == "zstd":
        if not zstandard:
            raise WireError("bad_encoding", "zstd is not available here; send gzip", 415)
        try:
            declared = zstandard.frame_content_size(data)
        except zstandard.ZstdError:
            raise WireError("malformed", "not a zstd frame")
        if declared > limit:
            raise WireError("too_large", f"message expands to {declared} bytes, over the limit of {limit}", 413)
        try:
            reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data))
            out = reader.read(limit + 1)
        except zstandard.ZstdError as e:
            raise WireError("malformed", f"corrupt zstd data: {e}")
        if len(out) > limit:
            raise WireError("too_large", f"message expands beyond the limit of {limit} bytes", 413)
        if declared >= 0 and len(out) != declared:
            raise WireError("truncated", "the message was cut short")
        return out
    if encoding == "gzip":
        d = zlib.decompressobj(wbits=31)
        try:
            out = d.decompress(data, limit + 1)
        except zlib.error as e:
            raise WireError("malformed", f"corrupt gzip data: {e}")
        if len(out) > limit:
            raise WireError("too_large", f"message expands beyond the limit of {limit} bytes", 413)
        if not d.eof:
            raise WireError("truncated", "the message was cut short")
        return out
    raise WireError("bad_encoding", f"unsupported content encoding {encoding!r}", 415)


def _dumps(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


class Writer:
    """Builds one message; ``size`` is the uncompressed size so far (for batch bounds)."""

    def __init__(self, header: dict, version: int = VERSION):
        self.version = version
        self.parts: list[bytes] = [_dumps(dict(header, v=version)) + b"\n"]
        self.size = len(self.parts[0])
        self.rows = 0
        self._current: str | None = None
        self._announced: set[str] = set()

    def set_header(self, header: dict) -> None:
        """Replace the header once the rows are known (ranges, cursors)."""
        line = _dumps(dict(header, v=self.version)) + b"\n"
        self.size += len(line) - len(self.parts[0])
        self.parts[0] = line

    def table(self, name: str, columns: list[str]) -> None:
        if name == self._current:
            return
        line = {"t": name} if name in self._announced else {"t": name, "c": columns}
        self._announced.add(name)
        self._current = name
        self._add(_dumps(line) + b"\n")

    def row(self, values: list | bytes) -> None:
        """A row: its values, or the line :meth:`line` made of them (measured before it was added)."""
        self._add(values if isinstance(values, bytes) else self.line(values))
        self.rows += 1

    def line(self, values: list) -> bytes:
        return _dumps(values) + b"\n"

    def row_size(self, values: list) -> int:
        return len(self.line(values))

    def _add(self, part: bytes) -> None:
        self.parts.append(part)
        self.size += len(part)

    def finish(self) -> bytes:
        return b"".join(self.parts) + _dumps({"end": self.rows}) + b"\n"


def read(data: bytes) -> tuple[dict, list[tuple[str, list[str], list[list]]]]:
    """(header, [(table, columns, rows)]) of a decompressed message; WireError when malformed."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if not lines:
        raise WireError("malformed", "empty message")
    try:
        parsed = [json.loads(line) for line in lines]
    except ValueError as e:
        raise WireError("malformed", f"not NDJSON: {str(e)[:200]}")
    except RecursionError:
        raise WireError("malformed", "JSON nested too deep")
    header = parsed[0]
    if not isinstance(header, dict) or "v" not in header:
        raise WireError("malformed", "the first line must be the header")
    if not isinstance(header["v"], int) or header["v"] not in VERSIONS:
        raise WireError("unsupported_version", f"wire format version {str(header['v'])[:20]!r} is not supported "
                        f"(this side speaks {', '.join(map(str, VERSIONS))})")
    trailer = parsed[-1] if len(parsed) > 1 else None
    if not isinstance(trailer, dict) or "end" not in trailer:
        raise WireError("truncated", "the message has no trailer: it was cut short")
    sections: list[tuple[str, list[str], list[list]]] = []
    columns_of: dict[str, list[str]] = {}
    current = None
    count = 0
    for item in parsed[1:-1]:
        if isinstance(item, dict):
            name = item.get("t")
            if not isinstance(name, str):
                raise WireError("malformed", "a table line needs a name")
            if "c" in item:
                cols = item["c"]
                if not isinstance(cols, list) or not all(isinstance(c, str) for c in cols):
                    raise WireError("malformed", f"bad column list for {name}")
                columns_of[name] = cols
            if name not in columns_of:
                raise WireError("malformed", f"rows of {name} before its columns")
            current = (name, columns_of[name], [])
            sections.append(current)
        elif isinstance(item, list):
            if current is None:
                raise WireError("malformed", "a row before any table line")
            current[2].append(item)
            count += 1
        else:
            raise WireError("malformed", "a line is neither a table nor a row")
    if not isinstance(trailer["end"], int) or trailer["end"] != count:
        raise WireError("truncated", f"the trailer announces {trailer['end']} rows, {count} arrived")
    return header, sections
