"""The demo village's organisation: nine people, three of whom sign in at the kiosk with a PIN."""
from __future__ import annotations

from ..village.models import Person, Village
from .service import save_person

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


def load_demo(village: Village) -> None:
    for name, post, duties, phone, trained, pin in DEMO_PEOPLE:
        save_person(Person(village_id=village.code), name=name, post=post, duties=duties, phone=phone,
                    trained=trained, active=True, new_pin=pin)


def demo_pins() -> list[tuple[str, str, str]]:
    """(name, duties, PIN) of the people who sign in with a PIN."""
    return [(n, ", ".join(d), pin) for n, _post, d, _phone, _t, pin in DEMO_PEOPLE if pin]
