"""The township sees at a glance how each village's hydrants and pools are doing."""
import datetime as dt

from sqlalchemy import event

from kiosk import registry
from kiosk.context import local_today
from kiosk.extensions import db
from kiosk.hydrants.models import Hydrant
from tests.conftest import DEMO_VILLAGE, NEIGHBOURS, OTHER_TOWNSHIP_VILLAGE

from .helpers import DEFECT, hydrant


def summaries(app, codes):
    with app.test_request_context():
        return registry.village_summary("hydrants", codes)


def test_the_demo_village_at_a_glance(township_app):
    found = summaries(township_app, [DEMO_VILLAGE])
    with township_app.test_request_context():
        # the demo's latest inspection is 12 days old (kiosk/hydrants/demo.py)
        twelve_days_ago = local_today() - dt.timedelta(days=12)
    figures = found[DEMO_VILLAGE]
    assert {k: v for k, v in figures.items() if k != "last_checked"} == {
        "hydrants": 8, "pools": 2, "defective": 1, "out_of_service": 0, "overdue": 1, "reported": 1}
    assert twelve_days_ago - dt.timedelta(days=1) <= figures["last_checked"] <= twelve_days_ago


def test_every_figure_has_a_label_and_villages_without_assets_show_zeros(township_app):
    summary = registry.get(township_app).summaries["hydrants"]
    found = summaries(township_app, [DEMO_VILLAGE, *NEIGHBOURS])
    assert set(found[DEMO_VILLAGE]) == set(summary.figures)
    for code in NEIGHBOURS:
        assert found[code]["hydrants"] == 0 and found[code]["overdue"] == 0 and found[code]["last_checked"] is None


def test_a_longer_interval_and_a_repaired_hydrant_change_the_figures(township_app):
    from kiosk.hazards import service as loop
    from kiosk.hydrants import service
    with township_app.test_request_context():
        service.set_intervals(DEMO_VILLAGE[:9], 6, 1)
        [hazard] = service.hazards_about(db.session.get(Hydrant, hydrant(township_app, DEFECT).id))
        loop.fix(hazard, loop.Who("person", "a", "李伟"), phrase="replaced")
        loop.verify(hazard, loop.Who("staff", "1", "周站长"))  # the last open hazard checked: back in service
        db.session.commit()
    figures = summaries(township_app, [DEMO_VILLAGE])[DEMO_VILLAGE]
    assert figures["overdue"] == 0 and figures["defective"] == 0


def test_the_number_of_queries_does_not_grow_with_the_villages(township_app):
    statements = []

    def count(*_args):
        statements.append(1)

    def queries(codes):
        statements.clear()
        with township_app.test_request_context():
            event.listen(db.engine, "before_cursor_execute", count)
            try:
                registry.get(township_app).summaries["hydrants"].compute(codes)
            finally:
                event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    one = queries([DEMO_VILLAGE])
    many = queries([DEMO_VILLAGE, *NEIGHBOURS, OTHER_TOWNSHIP_VILLAGE[0], *(f"3303261002{n:02d}" for n in range(10, 60))])
    # villages, intervals, and per kind of asset its counts and the few near the line of "overdue"
    assert 0 < one == many <= 6
