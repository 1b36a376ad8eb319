"""Set-up commands and schema migrations: kiosks in the field upgrade without losing data."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import sync

from kiosk.extensions import db
from kiosk.village import Household, Person, Township

from .conftest import ROOT, make_app


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_migrations_build_the_schema_the_models_describe(kind, database, tmp_path, request):
    """Upgrade an empty database with Alembic, then compare with the models: no difference."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        cluster = request.getfixturevalue("pg_cluster")
        url = cluster.create_database("fresh_migrations")
    app = make_app(url, tmp_path / "i")
    from flask_migrate import downgrade, upgrade
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        upgrade(directory=str(ROOT / "migrations"), revision="heads")  # a second run changes nothing
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar() >= 1
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                    [db.metadata, sync.metadata])
        assert diff == []
        assert db.session.scalar(db.select(db.func.count()).select_from(Township)) == 0
        db.session.remove()  # an open read would hold a lock that DROP TABLE waits on (PostgreSQL)
        downgrade(directory=str(ROOT / "migrations"), revision="base")
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        db.session.remove()
        db.engine.dispose()
    if kind == "postgresql":
        cluster.drop_database("fresh_migrations")


def test_demo_load_makes_a_realistic_village_once(runner, app):
    result = runner.invoke(args=["demo", "load"])
    assert "already present" in result.output and "2580" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Township)) == 16
        assert db.session.scalar(db.select(db.func.count()).select_from(Household)) == 40
        assert db.session.scalar(db.select(db.func.count()).select_from(Person)) == 9


def test_a_technician_creates_a_person_with_a_pin(runner, app, client):
    result = runner.invoke(args=["person", "create", "--name", "徐明", "--pin", "4826", "--duty", "volunteer"])
    assert result.exit_code == 0, result.output
    assert "徐明" in client.get("/signin").get_data(as_text=True)
    bad = runner.invoke(args=["person", "create", "--name", "徐明", "--pin", "1111"])
    assert bad.exit_code != 0 and "密码太容易被猜到" in bad.output


def test_village_seed_is_idempotent(runner):
    assert "0 townships added" in runner.invoke(args=["village", "seed"]).output


def test_a_technician_adds_a_village_of_a_seeded_township(runner, app):
    from kiosk.village import Village
    result = runner.invoke(args=["village", "add", "--code", "330326100299", "--name", "新村"])
    assert result.exit_code == 0 and "added 330326100299 新村" in result.output
    with app.app_context():
        assert db.session.get(Village, "330326100299").township_code == "330326100"
    for code, why in (("12345", "12 digits"), ("999999999201", "unknown township"), ("330326100299", "exists")):
        bad = runner.invoke(args=["village", "add", "--code", code, "--name", "某村"])
        assert bad.exit_code != 0 and why in bad.output


def test_a_technician_creates_a_staff_account(runner, app):
    result = runner.invoke(args=["staff", "create", "--username", "wu", "--name", "吴站长", "--township",
                                 "330326100"], input="a long password\na long password\n")
    assert result.exit_code == 0 and "created staff wu" in result.output
    short = runner.invoke(args=["staff", "create", "--username", "wu2", "--name", "吴", "--township",
                                "330326100"], input="short\nshort\n")
    assert short.exit_code != 0 and "at least 10 characters" in short.output


def test_the_demo_loads_into_an_empty_kiosk_once(database, tmp_path):
    app = make_app(database("sqlite", "empty"), tmp_path / "empty")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0 and "demo village loaded" in first.output and "2580" in first.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Person)) == 9
        assert db.session.scalar(db.select(db.func.count()).select_from(Household)) == 40
        db.session.remove()
    assert "already present" in runner.invoke(args=["demo", "load"]).output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Person)) == 9
        db.engine.dispose()
