"""Read aloud for the village loudspeaker: Mandarin speech made on the device, with no network.

The text is first written as it is said (:mod:`.reading`: numbers, dates, units), cut into sentences,
each sentence spoken by Debian's ``espeak-ng`` with its Mandarin voice (``cmn``), and the sentences
joined with pauses by ``sox``, which also evens out the loudness (a compander, then the peak at
-1 dBFS) so that every announcement goes out of the loudspeaker at the same level.

Audio is cached by content: ``<instance>/speech/<sha256>.wav``, the hash of the engine settings and
the spoken text, so the same warning is spoken once however often it is played or downloaded.
Making it runs in a background thread (one at a time: a Raspberry Pi has four cores and a kiosk to
serve); a request waits a moment for a short text and otherwise returns at once and polls. Files
beside the audio say where a job stands, so that any process (or a restarted one) can tell:
``.txt`` the spoken text, ``.lock`` being made, ``.failed`` the reason it could not be.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app

from .reading import chinese_reading, sentences

VOICE = "cmn"
WORDS_PER_MINUTE = 175  # espeak-ng's own pace: with the pauses, about 2.8 characters a second
RATE = 22050
SENTENCE_PAUSE = 0.35
PARAGRAPH_PAUSE = 0.8
LEAD_IN = 0.3
# the sox manual's compander for speech over a radio or public address, then the peak at -1 dBFS
LOUDNESS = ["highpass", "80", "compand", "0.3,1", "6:-70,-60,-20", "-5", "-90", "0.2", "norm", "-1"]
ENGINE = f"espeak-ng/{VOICE}/{WORDS_PER_MINUTE}wpm|sox/{' '.join(LOUDNESS)}|{SENTENCE_PAUSE}/{PARAGRAPH_PAUSE}"
MAX_CHARS = 8000
STEP_TIMEOUT = 120  # seconds for one espeak-ng or sox run
STALE_LOCK = 300  # a job that left its lock this long ago has died


class SpeechError(RuntimeError):
    """Why speech cannot be made here (the programs are missing, or one of them failed)."""


@dataclass(frozen=True)
class Audio:
    sha256: str
    state: str  # ready | working | failed | unknown
    error: str = ""


def spoken_text(text: str) -> str:
    """What the voice says: the text with its numbers in words, at most MAX_CHARS."""
    return chinese_reading(text.strip())[:MAX_CHARS]


def key(spoken: str) -> str:
    return hashlib.sha256(f"{ENGINE}\n{spoken}".encode()).hexdigest()


def folder(app: Flask | None = None) -> Path:
    path = Path((app or current_app).instance_path) / "speech"
    path.mkdir(parents=True, exist_ok=True)
    return path


def audio_path(sha256: str) -> Path:
    return folder() / f"{sha256}.wav"


def available() -> bool:
    return bool(shutil.which("espeak-ng") and shutil.which("sox"))


def synthesize(spoken: str, out: Path) -> None:
    """Speak ``spoken`` into the WAV file ``out`` (written whole, then moved into place)."""
    espeak, sox = shutil.which("espeak-ng"), shutil.which("sox")
    if not espeak or not sox:
        raise SpeechError("espeak-ng and sox are needed to read aloud (apt-get install espeak-ng sox)")
    parts = sentences(spoken)
    if not parts:
        raise SpeechError("there is nothing to read")
    with tempfile.TemporaryDirectory(prefix="speech-", dir=out.parent) as tmp:
        work = Path(tmp)
        pauses = {}
        for name, seconds in (("lead", LEAD_IN), ("sentence", SENTENCE_PAUSE), ("paragraph", PARAGRAPH_PAUSE)):
            pauses[name] = work / f"{name}.wav"
            _run([sox, "-n", "-r", str(RATE), "-c", "1", "-b", "16", str(pauses[name]), "trim", "0", str(seconds)])
        inputs = [str(pauses["lead"])]
        for n, (sentence, paragraph_ends) in enumerate(parts):
            spoken_file = work / f"{n:04d}.wav"
            # the text goes in on stdin: never on a command line, whatever it holds
            _run([espeak, "-v", VOICE, "-s", str(WORDS_PER_MINUTE), "-b", "1", "--stdin", "-w", str(spoken_file)],
                 stdin=sentence.encode())
            inputs += [str(spoken_file), str(pauses["paragraph" if paragraph_ends else "sentence"])]
        joined = work / "joined.wav"
        _run([sox, *inputs, "-r", str(RATE), "-c", "1", "-b", "16", str(joined), *LOUDNESS])
        os.replace(joined, out)


def _run(command: list[str], stdin: bytes | None = None) -> None:
    try:
        done = subprocess.run(command, input=stdin, capture_output=True, timeout=STEP_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise SpeechError(f"{Path(command[0]).name} took longer than {STEP_TIMEOUT} s") from None
    if done.returncode != 0:
        raise SpeechError(f"{Path(command[0]).name} failed: {done.stderr.decode(errors='replace')[-300:]}")


# ---- the background job and the cache -------------------------------------------------------------

def _executor(app: Flask) -> ThreadPoolExecutor:
    return app.extensions.setdefault("speech_executor", ThreadPoolExecutor(max_workers=1,
                                                                           thread_name_prefix="speech"))


def _job(base: Path, sha256: str, spoken: str) -> None:
    lock = base / f"{sha256}.lock"
    try:
        synthesize(spoken, base / f"{sha256}.wav")
    except Exception as error:  # noqa: BLE001  (any failure is reported on the page, not lost in a thread)
        (base / f"{sha256}.failed").write_text(str(error)[:500], encoding="utf-8")
    finally:
        lock.unlink(missing_ok=True)


def state(sha256: str) -> Audio:
    base = folder()
    if (base / f"{sha256}.wav").exists():
        return Audio(sha256, "ready")
    failed = base / f"{sha256}.failed"
    if failed.exists():
        return Audio(sha256, "failed", failed.read_text(encoding="utf-8"))
    lock = base / f"{sha256}.lock"
    if lock.exists() and time.time() - lock.stat().st_mtime < STALE_LOCK:
        return Audio(sha256, "working")
    text = base / f"{sha256}.txt"
    if text.exists():  # asked for before, never finished (a restart): make it again
        return _start(sha256, text.read_text(encoding="utf-8"))
    return Audio(sha256, "unknown")


def _start(sha256: str, spoken: str, wait: float = 0) -> Audio:
    app = current_app._get_current_object()
    base = folder(app)
    lock = base / f"{sha256}.lock"
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        if time.time() - lock.stat().st_mtime < STALE_LOCK:
            return Audio(sha256, "working")
        lock.unlink(missing_ok=True)
        return _start(sha256, spoken, wait)
    os.close(fd)
    future: Future = _executor(app).submit(_job, base, sha256, spoken)
    if wait:
        try:
            future.result(timeout=wait)
        except TimeoutError:
            pass
    return state(sha256) if future.done() else Audio(sha256, "working")


def request_audio(text: str, wait: float = 2.0) -> Audio:
    """The audio of ``text``: ready from the cache, or started in the background (waiting up to
    ``wait`` seconds, enough for a short warning on a Raspberry Pi). A failed attempt is tried again."""
    spoken = spoken_text(text)
    sha256 = key(spoken)
    base = folder()
    if (base / f"{sha256}.wav").exists():
        return Audio(sha256, "ready")
    (base / f"{sha256}.failed").unlink(missing_ok=True)
    (base / f"{sha256}.txt").write_text(spoken, encoding="utf-8")
    return _start(sha256, spoken, wait)


def duration(path: Path) -> float:
    """Seconds of audio in a WAV file (soxi)."""
    soxi = shutil.which("soxi")
    if not soxi:
        raise SpeechError("soxi (from sox) is needed")
    return float(subprocess.run([soxi, "-D", str(path)], capture_output=True, check=True, text=True).stdout)
