"""Loading the demo village: the shell makes the village, each feature adds its own demo data
(``registry.add_demo``), in order, one transaction each."""
from __future__ import annotations

import random

from .. import registry
from ..extensions import db
from ..village.models import Household, Person, Village
from ..village.service import seed_townships

DEMO_VILLAGE = ("330326100201", "城东村", "330326100")  # 昆阳镇; the village name is invented

SURNAMES = "陈林王郑黄李张吴周徐杨苏蔡叶谢"
GIVEN = ["建华", "秀英", "志明", "美玲", "国平", "海峰", "丽娟", "德胜", "春花", "永强", "金水", "玉兰", "成才", "晓东"]


def demo_households(village: Village) -> None:
    """Forty households in four groups, the same on every run."""
    rng = random.Random(330326)
    for group in range(1, 5):
        for n in range(1, 11):
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            db.session.add(Household(
                village_id=village.code, house_number=f"{group}组{n:02d}号", head_name=name,
                group_name=f"第{group}组", members=rng.randint(1, 6),
                phone=f"1385771{rng.randint(1000, 9999)}" if rng.random() < 0.7 else None,
                note="独居老人" if rng.random() < 0.1 else None))


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
