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
