"""Rows written in one statement come back as they were given, on the township's PostgreSQL and on the
kiosk's SQLite: the types replicated tables use, NULLs, JSON as written, and upserts."""
import datetime as dt
import decimal

import pytest
import sqlalchemy as sa

from sync import capture

meta = sa.MetaData()
sample = sa.Table(
    "insert_many_sample", meta,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("n", sa.Integer), sa.Column("big", sa.BigInteger), sa.Column("x", sa.Float),
    sa.Column("money", sa.Numeric(10, 2)), sa.Column("ok", sa.Boolean),
    sa.Column("at", sa.DateTime), sa.Column("on", sa.Date), sa.Column("clock", sa.Time),
    sa.Column("note", sa.Text), sa.Column("items", sa.JSON),
)
with_bytes = sa.Table("insert_many_bytes", meta, sa.Column("id", sa.String(36), primary_key=True),
                      sa.Column("blob", sa.LargeBinary), sa.Column("note", sa.Text))

ROWS = [
    dict(id="a", n=-2_147_483_648, big=2 ** 62, x=0.1 + 0.2, money=decimal.Decimal("12.30"), ok=True,
         at=dt.datetime(2026, 12, 1, 23, 59, 59, 123456), on=dt.date(1900, 1, 1), clock=dt.time(22, 0),
         note='引号 " 反斜杠 \\ 换行\n{花括号},逗号 NULL', items={"b": [1, "二", None], "a": {"nested": True}}),
    dict(id="b", n=None, big=None, x=3.0, money=None, ok=False, at=None, on=None, clock=None, note="",
         items=["list", 1.5]),
    dict(id="NULL", n=0, big=0, x=-1e300, money=decimal.Decimal("-0.01"), ok=None, at=dt.datetime(2000, 2, 29),
         on=dt.date(2026, 2, 28), clock=dt.time(0, 0, 0, 1), note=None, items=None),
]


@pytest.fixture
def engine(database, db_kind):
    engine = sa.create_engine(database(db_kind, flavour="empty"))
    meta.create_all(engine)
    yield engine
    engine.dispose()


def stored(engine, table):
    with engine.connect() as conn:
        return {r["id"]: dict(r) for r in conn.execute(sa.select(table)).mappings()}


def test_every_type_comes_back_as_it_was_written(engine):
    with engine.begin() as conn:
        capture.insert_many(conn, sample, [dict(r) for r in ROWS])
    back = stored(engine, sample)
    for row in ROWS:
        assert back[row["id"]] == row
    assert back["NULL"]["note"] is None and back["b"]["note"] == ""  # the text "NULL" is an id, not a NULL


def test_an_upsert_takes_only_the_columns_named(engine):
    with engine.begin() as conn:
        capture.insert_many(conn, sample, [dict(r) for r in ROWS])
        changed = [dict(r, n=7, note="改了", items={"v": 2}) for r in ROWS[:2]]
        capture.insert_many(conn, sample, changed, (["id"], ["n", "items"]))
    back = stored(engine, sample)
    assert back["a"]["n"] == back["b"]["n"] == 7
    assert back["a"]["items"] == {"v": 2} and back["a"]["note"] == ROWS[0]["note"]  # note not taken
    assert back["NULL"] == ROWS[2]


def test_bytes_take_the_column_arrays(engine):
    rows = [dict(id="p", blob=b"\x00\xffphoto", note="x"), dict(id="q", blob=None, note=None)]
    with engine.begin() as conn:
        capture.insert_many(conn, with_bytes, [dict(r) for r in rows])
    assert stored(engine, with_bytes) == {r["id"]: r for r in rows}


@pytest.mark.parametrize("ids", [
    ["a", "NULL", "", "a,b", "{x}", " spaced ", "引号", "null"],
    ['with "quote"', "back\\slash", "NULL"],  # what the written-out array cannot hold: psycopg's own
    [],
])
def test_a_lookup_among_many_ids_finds_exactly_those(engine, ids):
    everything = ids + ["other", "NUL", "a b"]
    with engine.begin() as conn:
        capture.insert_many(conn, sample, [dict(id=i, note=i) for i in everything])
    with engine.connect() as conn:
        found = conn.scalars(sa.select(sample.c.id).where(capture.among(conn, sample.c.id, ids))).all()
    assert sorted(found) == sorted(ids)
