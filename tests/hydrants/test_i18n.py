"""The hydrant screens speak Chinese, and their catalog does not fight the others.

Flask-Babel merges every feature's catalog into one: when two catalogs translate the same English
text differently, one silently wins everywhere (it once turned the hazard register's “已上报”
into this feature's “群众报告”).
"""
from pathlib import Path

from babel.messages.pofile import read_po

KIOSK = Path(__file__).resolve().parents[2] / "kiosk"
OURS = KIOSK / "hydrants" / "translations" / "zh_Hans" / "LC_MESSAGES" / "messages.po"


def _catalog(path: Path) -> dict:
    with path.open("rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id}


def test_every_hydrant_string_is_translated():
    ours = _catalog(OURS)
    assert ours and all(ours.values()), [k for k, v in ours.items() if not v]


def test_no_other_catalog_translates_our_strings_differently():
    ours = _catalog(OURS)
    clashes = []
    for po in sorted(KIOSK.glob("**/zh_Hans/LC_MESSAGES/messages.po")):
        if po == OURS:
            continue
        for msgid, text in _catalog(po).items():
            if msgid in ours and text and text != ours[msgid]:
                clashes.append(f"{po.relative_to(KIOSK)}: {msgid!r} {text} ≠ {ours[msgid]}")
    assert clashes == []
