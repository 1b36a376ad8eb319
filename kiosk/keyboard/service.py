"""Pinyin → Chinese words for the on-screen keyboard's candidate bar.

The table is built once at install (``flask keyboard build``) into a small SQLite file and read by
range scans, so the web process never holds a dictionary in memory:

- words and how common they are: jieba's dictionary (the ``jieba-py`` wheel, MIT; the same dict.txt
  as jieba 0.42), Han words counted at least ``MIN_COUNT`` times;
- how they are read: pypinyin (MIT), whose phrase table gives a polyphone its reading inside a word
  (银行 yinhang, 重点 zhongdian); single characters get every reading, the rarer ones ranked lower;
- the village's fire-safety vocabulary (``vocabulary.py``) before every other word.

A key is the toneless pinyin run together (``xiaofangshuan``; ü is typed ``v``), so whatever was
typed so far is a prefix of the keys of the words it may become. Initials (``xfs``) are a second,
smaller table of exact keys.
"""
from __future__ import annotations

import heapq
import logging
import os
import re
import sqlite3
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from flask import current_app

from .vocabulary import FIRE_SAFETY_WORDS, READINGS

log = logging.getLogger(__name__)

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "pinyin.sqlite3"
# words rarer than this in jieba's counts are left out (the table stays near 3 MB, ~100,000 words)
MIN_COUNT = 10
# initials (xfs) only for words at least this common: abbreviations of rare words only get in the way
INITIALS_MIN_COUNT = 100
LONGEST_WORD = 7
# a character's second and later readings rank this much lower (的 is de far more often than di)
OTHER_READING_SHARE = 4
# prefixes with more completions than this get their best ones stored: no lookup scans more rows
SCAN_LIMIT = 400
CANDIDATES = 30
# the vocabulary outranks any count in the corpus
VOCABULARY_WEIGHT = 10**9
MAX_TYPED = 40

HAN = re.compile(r"^[\u4e00-\u9fff]+$")


@dataclass(frozen=True)
class Candidate:
    word: str
    letters: int  # how many of the typed letters the word stands for (the rest stay composing)


# ---- lookup ------------------------------------------------------------------------------------

def normalise(typed: str) -> str:
    """The letters that count: lower case a-z (v for ü); apostrophes (xi'an) only separate."""
    return re.sub(r"[^a-z]", "", typed.lower())[:MAX_TYPED]


class Dictionary:
    """Read-only lookups in a built table, one connection shared by the server's threads."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._warned = False

    def _connect(self) -> sqlite3.Connection | None:
        if self._connection is None:
            if not self.path.exists():
                if not self._warned:
                    log.warning("no pinyin dictionary at %s: run `flask keyboard build`", self.path)
                    self._warned = True
                return None
            # immutable: no locking, no journal; an install replaces the file, it never edits it
            self._connection = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True,
                                               check_same_thread=False)
            self._connection.execute("PRAGMA cache_size = -512")  # KiB
        return self._connection

    def candidates(self, typed: str, limit: int = CANDIDATES) -> list[Candidate]:
        """Words for what was typed, best first: words read exactly so, words with those initials,
        longer words it begins, then (when nothing reads as all of it) words for its longest
        beginning that is a whole reading, standing for just those letters."""
        letters = normalise(typed)
        if not letters:
            return []
        with self._lock:
            db = self._connect()
            if db is None:
                return []
            found: dict[str, int] = {}

            def add(words: Iterable[str], used: int) -> None:
                for word in words:
                    if len(found) >= limit:
                        return
                    found.setdefault(word, used)

            exact = _read_as(db, letters, limit)
            add(exact, len(letters))
            # xfs may be initials (消防栓) and zh the start of a reading (中): the commoner word first
            longer = self._completions(db, letters, limit)
            if len(letters) > 1:
                longer += db.execute("SELECT weight, word FROM initials WHERE key = ? "
                                     "ORDER BY weight DESC LIMIT ?", (letters, limit)).fetchall()
            add((word for _weight, word in sorted(longer, reverse=True)), len(letters))
            if not exact:
                for end in range(len(letters) - 1, 0, -1):
                    words = _read_as(db, letters[:end], limit)
                    if words:
                        add(words, end)
                        break
        return [Candidate(word, used) for word, used in found.items()]

    @staticmethod
    def _completions(db: sqlite3.Connection, letters: str, limit: int) -> list[tuple[int, str]]:
        """(weight, word) of the best words whose reading is longer and starts with the letters."""
        stored = db.execute("SELECT words, weights FROM top WHERE prefix = ?", (letters,)).fetchone()
        if stored:
            return list(zip(map(int, stored[1].split(" ")), stored[0].split(" ")))[:limit]
        # every key that is longer and starts with the letters sorts between them and letters + "{"
        return db.execute("SELECT weight, word FROM word WHERE key > ? AND key < ? "
                          "ORDER BY weight DESC LIMIT ?", (letters, letters + "{", limit)).fetchall()


def _read_as(db: sqlite3.Connection, key: str, limit: int) -> list[str]:
    """The words whose whole reading is ``key``, commonest first."""
    return [row[0] for row in db.execute("SELECT word FROM word WHERE key = ? ORDER BY weight DESC LIMIT ?",
                                         (key, limit))]


def dictionary() -> Dictionary:
    """The app's dictionary (``KEYBOARD_DICTIONARY``, default: the one built into the package)."""
    found = current_app.extensions.get("keyboard_dictionary")
    if found is None:
        found = Dictionary(dictionary_path())
        current_app.extensions["keyboard_dictionary"] = found
    return found


def dictionary_path() -> Path:
    return Path(current_app.config.get("KEYBOARD_DICTIONARY") or DEFAULT_PATH)


# ---- build -------------------------------------------------------------------------------------

def corpus_words(min_count: int = MIN_COUNT) -> Iterator[tuple[str, int]]:
    """(word, count) from jieba's dictionary: Han words at least ``min_count`` times."""
    from importlib.resources import files
    source = files("jieba") / "_data" / "dict.txt"
    with source.open(encoding="utf-8") as lines:
        for line in lines:
            word, count, *_tag = line.split()
            count = int(count)
            if count >= min_count and len(word) <= LONGEST_WORD and HAN.match(word) and _simplified(word):
                yield word, count


def _simplified(word: str) -> bool:
    """jieba also counts traditional characters (閭); GB 2312 holds the 6,763 simplified ones of
    everyday writing."""
    try:
        word.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def readings(word: str) -> list[list[str]]:
    """The ways a word is typed, as syllables: all readings of a single character (most common
    first), pypinyin's reading of a word."""
    from pypinyin import Style, lazy_pinyin, pinyin
    if word in READINGS:
        return [READINGS[word].split()]
    if len(word) == 1:
        return [[r] for r in dict.fromkeys(pinyin(word, style=Style.NORMAL, heteronym=True)[0])]
    syllables = lazy_pinyin(word, style=Style.NORMAL, errors="ignore")
    return [syllables] if len(syllables) == len(word) else []


@dataclass(frozen=True)
class Built:
    path: Path
    words: int
    keys: int
    initials: int
    stored_prefixes: int
    size: int


def build(path: Path, corpus: Iterable[tuple[str, int]] | None = None,
          vocabulary: Iterable[str] = FIRE_SAFETY_WORDS) -> Built:
    """Write the table to ``path`` (replacing it in one step: a running kiosk keeps reading the old
    one until it restarts). ``corpus`` is (word, count) pairs, jieba's by default."""
    entries: dict[tuple[str, str], int] = {}  # (key, word) -> weight
    short: dict[tuple[str, str], int] = {}  # (initials, word) -> weight

    def add(word: str, weight: int, initials: bool) -> None:
        for rank, syllables in enumerate(readings(word)):
            w = weight if rank == 0 else weight // OTHER_READING_SHARE
            key = "".join(syllables)
            if w > entries.get((key, word), -1):
                entries[(key, word)] = w
            if initials and len(syllables) > 1:
                abbreviation = "".join(s[0] for s in syllables)
                if w > short.get((abbreviation, word), -1):
                    short[(abbreviation, word)] = w

    vocabulary = list(dict.fromkeys(vocabulary))
    for rank, word in enumerate(vocabulary):
        add(word, VOCABULARY_WEIGHT + len(vocabulary) - rank, initials=True)
    for word, count in (corpus_words() if corpus is None else corpus):
        add(word, count, initials=count >= INITIALS_MIN_COUNT)

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, scratch = tempfile.mkstemp(dir=path.parent, prefix=".pinyin-", suffix=".sqlite3")
    os.close(handle)
    try:
        db = sqlite3.connect(scratch)
        db.executescript("""
            PRAGMA journal_mode = OFF;
            PRAGMA page_size = 4096;
            CREATE TABLE word (key TEXT NOT NULL, weight INTEGER NOT NULL, word TEXT NOT NULL,
                               PRIMARY KEY (key, weight, word)) WITHOUT ROWID;
            CREATE TABLE initials (key TEXT NOT NULL, weight INTEGER NOT NULL, word TEXT NOT NULL,
                                   PRIMARY KEY (key, weight, word)) WITHOUT ROWID;
            CREATE TABLE top (prefix TEXT PRIMARY KEY, words TEXT NOT NULL, weights TEXT NOT NULL)
                WITHOUT ROWID;
        """)
        db.executemany("INSERT INTO word VALUES (?, ?, ?)",
                       sorted((key, w, word) for (key, word), w in entries.items()))
        db.executemany("INSERT INTO initials VALUES (?, ?, ?)",
                       sorted((key, w, word) for (key, word), w in short.items()))
        stored = _store_best_completions(db, entries)
        db.commit()
        db.execute("VACUUM")
        db.close()
        os.chmod(scratch, 0o644)
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
    return Built(path=path, words=len({word for _key, word in entries}), keys=len(entries),
                 initials=len(short), stored_prefixes=stored, size=path.stat().st_size)


def _store_best_completions(db: sqlite3.Connection, entries: dict[tuple[str, str], int]) -> int:
    """For every prefix that begins more than SCAN_LIMIT longer keys, keep its best completions."""
    by_prefix: dict[str, list[tuple[int, str]]] = {}
    counts: dict[str, int] = {}
    for key, _word in entries:
        for end in range(1, len(key)):
            counts[key[:end]] = counts.get(key[:end], 0) + 1
    crowded = {prefix for prefix, n in counts.items() if n > SCAN_LIMIT}
    for (key, word), weight in entries.items():
        for end in range(1, len(key)):
            prefix = key[:end]
            if prefix in crowded:
                best = by_prefix.setdefault(prefix, [])
                # a few spare: a word read several ways appears once per reading
                if len(best) < CANDIDATES * 2:
                    heapq.heappush(best, (weight, word))
                else:
                    heapq.heappushpop(best, (weight, word))
    rows = []
    for prefix, best in by_prefix.items():
        weights = {}
        for weight, word in sorted(best, reverse=True):
            weights.setdefault(word, weight)
        chosen = list(weights.items())[:CANDIDATES]
        rows.append((prefix, " ".join(w for w, _ in chosen), " ".join(str(n) for _, n in chosen)))
    db.executemany("INSERT INTO top VALUES (?, ?, ?)", sorted(rows))
    return len(rows)
