"""The Pingyang demo village that `make run` loads, so a new user sees a living kiosk."""
from __future__ import annotations

import random

import click
from flask.cli import AppGroup
from flask import Flask, current_app

from ..extensions import db

from .. import registry
from ..auth import security
from ..village import Household, Person, Village, seed_townships

DEMO_VILLAGE = ("330326100201", "城东村", "330326100")  # 昆阳镇; the village name is invented

# (name, post, duties, phone, trained, PIN or None)
DEMO_PEOPLE = [
    ("陈建国", "村党支部书记", ["first_responsible", "committee"], "13857712301", True, "2580"),
    ("林海燕", "村委委员", ["safety_manager", "committee"], "13857712302", True, "3691"),
    ("王德明", "村委委员", ["committee", "grid"], "13857712303", False, None),
    ("郑晓丽", "网格员", ["grid"], "13857712304", False, None),
    ("黄志强", "平安巡防员", ["patrol", "volunteer"], "13857712305", True, None),
    ("李伟", "微型消防站站长", ["volunteer"], "13857712306", True, "1357"),
    ("张磊", None, ["volunteer"], "13857712307", True, None),
    ("吴小军", None, ["volunteer"], "13857712308", True, None),
    ("周杰", None, ["volunteer", "patrol"], "13857712309", False, None),
]

SURNAMES = "陈林王郑黄李张吴周徐杨苏蔡叶谢"
GIVEN = ["建华", "秀英", "志明", "美玲", "国平", "海峰", "丽娟", "德胜", "春花", "永强", "金水", "玉兰", "成才", "晓东"]


def demo_households(village_code: str, rng: random.Random) -> list[Household]:
    households = []
    for group in range(1, 5):
        for n in range(1, 11):
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            households.append(Household(
                village_id=village_code, house_number=f"{group}组{n:02d}号", head_name=name,
                group_name=f"第{group}组", members=rng.randint(1, 6),
                phone=f"1385771{rng.randint(1000, 9999)}" if rng.random() < 0.7 else None,
                note="独居老人" if rng.random() < 0.1 else None))
    return households


def load_demo() -> bool:
    """Load the demo village unless it already has people. Returns True when it loaded."""
    seed_townships()
    code, name, township = DEMO_VILLAGE
    if db.session.get(Village, code) is None:
        db.session.add(Village(code=code, name=name, township_code=township, kind="village"))
        db.session.commit()
    if db.session.scalar(db.select(Person.id).where(Person.village_id == code).limit(1)):
        return False
    rng = random.Random(330326)
    for person_name, post, duties, phone, trained, pin in DEMO_PEOPLE:
        person = Person(village_id=code, name=person_name, post=post, duties=duties, phone=phone,
                        trained=trained, active=True)
        db.session.add(person)
        db.session.flush()
        if pin:
            security.set_pin(person, pin)
    db.session.add_all(demo_households(code, rng))
    db.session.commit()
    village = db.session.get(Village, code)
    for _order, _name, loader in sorted(registry.get().demo, key=lambda d: d[0]):
        loader(village)
        db.session.commit()
    return True


def demo_pins() -> list[tuple[str, str, str]]:
    return [(n, ", ".join(d), pin) for n, _post, d, _phone, _t, pin in DEMO_PEOPLE if pin]


@click.group("demo", cls=AppGroup, help="The Pingyang demo village.")
def demo_cli():
    pass


@demo_cli.command("load")
def demo_load():
    """Load the demo village (does nothing when it is already there) and print the demo PINs."""
    loaded = load_demo()
    click.echo("demo village loaded" if loaded else "demo village already present; nothing changed")
    if current_app.config["VILLAGE_CODE"] != DEMO_VILLAGE[0]:
        click.echo(f"note: this kiosk serves VILLAGE_CODE={current_app.config['VILLAGE_CODE']}, "
                   f"the demo is {DEMO_VILLAGE[0]}")
    click.echo("Demo sign-in PINs (tap your name, then the PIN):")
    for name, duties, pin in demo_pins():
        click.echo(f"  {name:<4}  PIN {pin}   ({duties})")


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_cli)
