"""Counting the SQL statements a piece of code sends: for "one query per feature, not one per
village" (village summaries)."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from kiosk.extensions import db


@contextmanager
def counted():
    """``with counted() as statements: ...`` then ``len(statements)`` (inside an app context)."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def summaries_for(app, key: str, codes: list[str]) -> tuple[dict, int]:
    """One feature's village summaries for ``codes``, and how many statements they took."""
    from kiosk import registry
    with app.test_request_context():
        summary = registry.get(app).summaries[key]
        db.session.execute(db.text("SELECT 1"))  # the connection is open before counting
        with counted() as statements:
            result = summary.compute(codes)
        return result, len(statements)
