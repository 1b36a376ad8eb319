"""An application hears which rows replication wrote, in the same transaction: the kiosk after a
pulled page, the township after a push (kiosk.hazards refreshes its derived state this way)."""
from __future__ import annotations

from kiosk.extensions import db
from kiosk.village import Household


def listen(side):
    heard = []
    side.app.extensions["sync"].on_applied.append(
        lambda name, ids: heard.append((name, sorted(ids), db.session.get(Household, ids[0]) is not None
                                        if name == "household" else None)))
    return heard


def test_both_sides_hear_the_rows_replication_wrote(make_kiosk, township):
    kiosk = make_kiosk(township)
    on_township = listen(township)
    assert kiosk.sync().ok
    pushed = {name for name, _ids, _seen in on_township}
    assert "household" in pushed and "person" in pushed
    # inside the transaction that wrote them: the rows are there already
    assert all(seen for name, _ids, seen in on_township if name == "household")

    with township.ctx():
        house = db.session.scalar(db.select(Household).order_by(Household.house_number).limit(1))
        house.note = "镇里核实：出租屋"
        house_id = house.id
        db.session.commit()
    on_kiosk = listen(kiosk)
    assert kiosk.sync().ok
    assert ("household", [house_id], True) in on_kiosk
    assert kiosk.sync().ok and len(on_kiosk) == 1  # nothing new pulled, nothing heard
