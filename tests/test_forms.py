"""Numbers as people type them: full-width digits are accepted; what only looks like a digit is refused
(issue 12: a house number `²` once broke every household list)."""
import pytest

from kiosk.forms import parse_int, parse_number, valid_client_id


@pytest.mark.parametrize("typed, number", [("12", 12), ("１２", 12), (" 7 ", 7), ("-3", -3), ("", None), (None, None)])
def test_whole_numbers_typed_on_any_keyboard(typed, number):
    assert parse_int(typed) == number


@pytest.mark.parametrize("typed, number", [("0.25", 0.25), ("０．２５", 0.25), ("3,5", 3.5), ("３，５", 3.5), ("7", 7.0)])
def test_decimals_typed_on_any_keyboard(typed, number):
    assert parse_number(typed) == number


@pytest.mark.parametrize("typed", ["²", "12²", "①", "٣", "Ⅻ", "1e1", "nan", "inf", "sNaN", "1_000", "12a", "3.5.1"])
def test_what_only_looks_like_a_number_is_refused(typed):
    with pytest.raises(ValueError):
        parse_number(typed)
    with pytest.raises(ValueError):
        parse_int(typed)


def test_a_whole_number_has_no_decimal_point_and_stays_in_range():
    with pytest.raises(ValueError):
        parse_int("3.5")
    with pytest.raises(ValueError):
        parse_int("9" * 40)


def test_client_ids_are_uuids_or_made_fresh():
    good = "0190a0a0-0000-7000-8000-000000000000"
    assert valid_client_id(good) == good
    assert valid_client_id("'; drop table") != "'; drop table"
    assert len(valid_client_id(None)) == 36
