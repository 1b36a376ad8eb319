"""Read aloud: a warning becomes Mandarin speech on the device, of a length that fits its text,
evened out in loudness, made once and kept by its content."""
from __future__ import annotations

import re
import subprocess
import time

import pytest

from kiosk.extensions import db
from kiosk.publicity import speech
from kiosk.warnings.models import Warning

pytestmark = pytest.mark.skipif(not speech.available(), reason="espeak-ng and sox (make test installs them)")


def immediate_warning(app):
    with app.app_context():
        w = db.session.scalar(db.select(Warning).where(Warning.kind == "immediate"))
        return w.id, w.title, w.body


def read_aloud(client, source, ident):
    """Tap "read aloud" and wait for the player; returns (sha256, the player's HTML)."""
    response = client.post(f"/publicity/read/{source}/{ident}", headers={"HX-Request": "true"})
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    html = response.get_data(as_text=True)
    sha = re.search(r"/publicity/speech/([0-9a-f]{64})", html).group(1)
    deadline = time.monotonic() + 60
    while "<audio" not in html and time.monotonic() < deadline:
        time.sleep(0.3)
        html = client.get(f"/publicity/speech/{sha}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<audio" in html, html
    return sha, html


def soxi(path, option):
    return subprocess.run(["soxi", option, str(path)], capture_output=True, text=True, check=True).stdout.strip()


def test_a_warning_read_aloud_lasts_as_long_as_its_text_and_is_made_once(app, volunteer, tmp_path):
    warning_id, title, body = immediate_warning(app)
    sha, html = read_aloud(volunteer, "warning", warning_id)
    with volunteer.get(f"/publicity/speech/{sha}.wav") as audio:
        assert audio.status_code == 200 and audio.mimetype == "audio/wav"
        made = audio.data
    path = tmp_path / "warning.wav"
    path.write_bytes(made)
    seconds = float(soxi(path, "-D"))
    characters = len(title) + len(body)
    # Mandarin over a loudspeaker: two to five characters a second, pauses included
    assert 0.2 * characters <= seconds <= 0.5 * characters, (seconds, characters)
    assert (soxi(path, "-r"), soxi(path, "-c")) == ("22050", "1")
    peak = subprocess.run(["sox", str(path), "-n", "stats"], capture_output=True, text=True).stderr
    assert re.search(r"Pk lev dB\s+-1\.0", peak)  # loudness evened out: the peak at -1 dBFS
    assert f"{round(seconds)} 秒" in html
    # the same text again: from the cache, at once
    started = time.monotonic()
    again = volunteer.post(f"/publicity/read/warning/{warning_id}", headers={"HX-Request": "true"})
    assert sha in again.get_data(as_text=True) and "<audio" in again.get_data(as_text=True)
    assert time.monotonic() - started < 1
    # and as a file for the broadcast system
    with volunteer.get(f"/publicity/speech/{sha}.wav?download=1") as download:
        assert download.headers["Content-Disposition"].startswith("attachment") and download.data == made


def test_the_pact_and_the_tips_are_read_too(app, volunteer):
    page = volunteer.get("/publicity/loudspeaker").get_data(as_text=True)
    tip = re.search(r"/publicity/read/tip/(\d+)", page).group(1)
    _sha, html = read_aloud(volunteer, "tip", tip)
    assert "下载音频" in html


def test_only_the_villages_texts_are_read(app, volunteer):
    assert volunteer.post("/publicity/read/warning/0190a0a0-0000-7000-8000-000000000000").status_code == 404
    assert volunteer.post("/publicity/read/tip/99").status_code == 404
    assert volunteer.post("/publicity/read/shell/rm").status_code == 404
    assert volunteer.get("/publicity/speech/" + "0" * 64).status_code == 404
    assert volunteer.get("/publicity/speech/../../etc/passwd.wav").status_code == 404
    assert app.test_client().post("/publicity/read/tip/0").status_code in (302, 303)  # sign in first


def test_the_spoken_text_reads_numbers_as_chinese():
    spoken = speech.spoken_text("今晚起每天22:00至次日06:00巡查，火警请拨119。")
    assert spoken == "今晚起每天二十二点至次日六点巡查，火警请拨幺幺九。"
    assert speech.key(spoken) != speech.key(spoken + "。")
