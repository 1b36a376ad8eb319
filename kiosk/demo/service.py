"""Loading the demo village: the shell makes the village, each feature adds its own demo data
(``registry.add_demo``), in order, one transaction each."""
from __future__ import annotations

from .. import registry
from ..extensions import db
from ..village.models import Person, Village
from ..village.service import seed_townships

DEMO_VILLAGE = ("330326100201", "城东村", "330326100")  # 昆阳镇; the village name is invented

def load_demo() -> bool:
    """Load the demo village unless it already has people. Returns True when it loaded."""
    code, name, township = DEMO_VILLAGE
    seed_townships()
    if db.session.get(Village, code) is None:
        db.session.add(Village(code=code, name=name, township_code=township, kind="village"))
    db.session.commit()
    if db.session.scalar(db.select(Person.id).where(Person.village_id == code).limit(1)):
        return False
    village = db.session.get(Village, code)
    for _order, _name, loader in sorted(registry.get().demo, key=lambda d: d[0]):
        loader(village)
        db.session.commit()
    return True
