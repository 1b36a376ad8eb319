"""The demo village's forty households, in four groups; pledges and visits name them."""
from __future__ import annotations

import random

from ..extensions import db
from ..village.models import Household, Village

SURNAMES = "陈林王郑黄李张吴周徐杨苏蔡叶谢"
GIVEN = ["建华", "秀英", "志明", "美玲", "国平", "海峰", "丽娟", "德胜", "春花", "永强", "金水", "玉兰", "成才", "晓东"]


def load_demo(village: Village) -> None:
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
