"""The pinyin table behind the candidate bar: built at install from packages' data, the village's
fire-safety words first, looked up by prefix from a small file without loading it."""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from kiosk.keyboard import service
from kiosk.keyboard.service import Candidate, Dictionary

from ..conftest import make_app

# a corpus small enough to reason about: (word, count) as jieba gives them
CORPUS = [("是", 5000), ("事", 900), ("时", 3000), ("中国", 800), ("中", 4000), ("小", 2000), ("消", 300),
          ("消费", 600), ("消防", 200), ("小方", 50), ("西安", 400), ("先", 1500), ("我们", 700),
          ("我", 6000), ("长城", 300), ("长", 1000), ("绿色", 120)]


@pytest.fixture
def small_table(tmp_path) -> Dictionary:
    service.build(tmp_path / "pinyin.sqlite3", corpus=CORPUS, vocabulary=["消防栓", "消火栓", "消防通道"])
    return Dictionary(tmp_path / "pinyin.sqlite3")


def words(found: list[Candidate]) -> list[str]:
    return [c.word for c in found]


def test_whole_readings_come_first_then_longer_words_the_letters_begin(small_table):
    assert words(small_table.candidates("shi")) == ["是", "时", "事"]
    assert words(small_table.candidates("xiaofang")) == ["消防", "小方", "消防栓", "消防通道"]
    # a prefix: words whose reading goes on, the vocabulary first, then by how common they are;
    # then the characters for the whole syllable typed so far, standing for its four letters
    found = small_table.candidates("xiaof")
    assert words(found) == ["消防栓", "消防通道", "消费", "消防", "小方", "小", "消"]
    assert [c.letters for c in found] == [5] * 5 + [4, 4]


def test_the_vocabulary_outranks_any_count(small_table):
    assert small_table.candidates("xiaofangshuan") == [Candidate("消防栓", 13)]
    assert words(small_table.candidates("xiaohuoshuan")) == ["消火栓"]


def test_initials_find_a_word_and_mix_with_readings_by_how_common_they_are(small_table):
    assert words(small_table.candidates("xfs")) == ["消防栓"]
    assert words(small_table.candidates("xfstd")) == []
    assert words(small_table.candidates("xf")) == ["消费", "消防"]
    assert words(small_table.candidates("zg")) == ["中国"]


def test_a_character_is_found_under_each_of_its_readings_the_usual_one_higher(small_table):
    assert "长" in words(small_table.candidates("chang"))
    assert "长" in words(small_table.candidates("zhang"))
    assert words(small_table.candidates("changcheng")) == ["长城"]
    assert words(small_table.candidates("lvse")) == ["绿色"]  # ü is typed v


def test_letters_that_no_word_reads_as_offer_words_for_their_beginning(small_table):
    # 我们 stands for the first five letters; "qu" stays to be typed on
    found = small_table.candidates("womenqu")
    assert found[0] == Candidate("我们", 5)


def test_what_was_typed_is_cleaned_up(small_table):
    assert words(small_table.candidates("Xi'an")) == words(small_table.candidates("xian"))
    assert "西安" in words(small_table.candidates("xian"))
    assert small_table.candidates("") == [] and small_table.candidates("123") == []
    assert service.normalise("x" * 100) == "x" * service.MAX_TYPED


def test_crowded_prefixes_keep_their_best_words(tmp_path, monkeypatch):
    """A one-letter prefix begins thousands of readings: their best ones are stored at build, so
    no lookup scans more than SCAN_LIMIT rows."""
    monkeypatch.setattr(service, "SCAN_LIMIT", 3)
    service.build(tmp_path / "t.sqlite3", corpus=CORPUS, vocabulary=[])
    table = Dictionary(tmp_path / "t.sqlite3")
    assert words(table.candidates("x"))[:3] == ["小", "先", "消费"]
    assert words(table.candidates("x")) == words(Dictionary(tmp_path / "t.sqlite3").candidates("x"))


def test_a_kiosk_without_a_table_offers_nothing_and_says_why_once(tmp_path, caplog, monkeypatch):
    # migrating the test databases ran alembic's fileConfig, which disables the loggers it finds
    monkeypatch.setattr(service.log, "disabled", False)
    table = Dictionary(tmp_path / "missing.sqlite3")
    assert table.candidates("xiao") == [] and table.candidates("xiao") == []
    assert sum("flask keyboard build" in r.getMessage() for r in caplog.records) == 1


def test_building_again_replaces_the_table_in_one_step(tmp_path):
    path = tmp_path / "pinyin.sqlite3"
    service.build(path, corpus=[("中国", 10)], vocabulary=[])
    reader = Dictionary(path)
    assert words(reader.candidates("zhongguo")) == ["中国"]
    service.build(path, corpus=[("中国", 10), ("种过", 5)], vocabulary=[])
    # a running kiosk keeps reading what it opened; a new reader sees the new table
    assert words(reader.candidates("zhongguo")) == ["中国"]
    assert words(Dictionary(path).candidates("zhongguo")) == ["中国", "种过"]
    assert [p.name for p in tmp_path.iterdir()] == ["pinyin.sqlite3"]  # no scratch file left


# ---- the real table, from jieba's and pypinyin's data ------------------------------------------

def test_the_installed_table_offers_the_villages_words_first(pinyin_table):
    table = Dictionary(pinyin_table.path)
    first = {typed: words(table.candidates(typed))[0] for typed in (
        "xiaofangshuan", "xiaohuoshuan", "miehuoqi", "diandongche", "diandongzixingche", "yehuaqi",
        "yehuaqiping", "xiaofangtongdao", "weixingxiaofangzhan", "yinhuan", "zhenggai", "xuncha",
        "fanghuogongyue", "shuidai", "shuiqiang", "xiaofangshuichi", "tieting")}
    assert first == {"xiaofangshuan": "消防栓", "xiaohuoshuan": "消火栓", "miehuoqi": "灭火器",
                     "diandongche": "电动车", "diandongzixingche": "电动自行车", "yehuaqi": "液化气",
                     "yehuaqiping": "液化气瓶", "xiaofangtongdao": "消防通道",
                     "weixingxiaofangzhan": "微型消防站", "yinhuan": "隐患", "zhenggai": "整改",
                     "xuncha": "巡查", "fanghuogongyue": "防火公约", "shuidai": "水带",
                     "shuiqiang": "水枪", "xiaofangshuichi": "消防水池", "tieting": "铁铤"}
    assert words(table.candidates("xfs"))[0] == "消防栓"
    assert words(table.candidates("xiaofangs"))[:2] == ["消防栓", "消防水池"]


def test_the_installed_table_offers_words_of_everyday_writing(pinyin_table):
    table = Dictionary(pinyin_table.path)
    assert words(table.candidates("zhongguo"))[0] == "中国"
    assert words(table.candidates("nihao"))[0] == "你好"
    assert words(table.candidates("yinhang"))[0] == "银行"  # 行 read hang inside the word
    assert "是" in words(table.candidates("shi"))[:3]
    assert table.candidates("womenqu")[0] == Candidate("我们", 5)
    everything = "".join(w for typed in ("shi", "li", "xian", "ma") for w in words(table.candidates(typed)))
    assert everything.encode("gb2312")  # simplified characters only (jieba also counts 閭)


def test_the_installed_table_is_small_and_quick_to_read(pinyin_table):
    assert 50_000 < pinyin_table.words < 200_000
    assert pinyin_table.size < 8 * 1024 * 1024
    table = Dictionary(pinyin_table.path)
    typed = [w[:n] for w in ("xiaofangshuan", "zhongguo", "shangxia", "anquan", "ye", "lv", "changcheng")
             for n in range(1, len(w) + 1)]
    rss_before = _rss_kib()
    start = time.perf_counter()
    for _ in range(20):
        for letters in typed:
            table.candidates(letters)
    per_lookup = (time.perf_counter() - start) / (20 * len(typed))
    assert per_lookup < 0.005  # seconds, here; a Pi 4 is some five times slower
    assert _rss_kib() - rss_before < 8 * 1024  # the table stays on disk


def _rss_kib() -> int:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1))


# ---- the endpoint and the command ----------------------------------------------------------------

@pytest.fixture
def kiosk(database, tmp_path, small_table):
    return make_app(database("sqlite"), tmp_path / "instance", KEYBOARD_DICTIONARY=str(small_table.path))


def test_anyone_at_the_kiosk_gets_candidates_as_json(kiosk):
    response = kiosk.test_client().get("/keyboard/candidates?p=Xiao'Fang")
    assert response.status_code == 200
    assert response.get_json() == {"p": "xiaofang", "candidates": [
        {"w": "消防", "n": 8}, {"w": "小方", "n": 8}, {"w": "消防栓", "n": 8}, {"w": "消防通道", "n": 8}]}
    assert response.cache_control.max_age == 3600
    view = kiosk.view_functions["keyboard.candidates"]
    assert view.kiosk_access == "public" and view.kiosk_passive  # typing is not a person's visit


def test_the_panel_comes_in_the_screens_language(kiosk):
    html = kiosk.test_client().get("/keyboard/panel?lang=en").get_data(as_text=True)
    labels = json.loads(re.search(r"data-labels='([^']*)'", html).group(1))
    assert labels["pinyin"] == "Pinyin" and labels["done"] == "Done"
    assert 'data-text-mode="abc"' in html
    assert 'data-text-mode="pinyin"' in kiosk.test_client().get("/keyboard/panel").get_data(as_text=True)
    assert 'data-layout-url="/static/vendor/simple-keyboard-layouts-3.4.265/layouts/english.js"' in html


def test_only_the_village_kiosk_loads_the_keyboard(database, tmp_path):
    from kiosk import registry
    village = make_app(database("sqlite"), tmp_path / "v")
    township = make_app(database("sqlite", role="township"), tmp_path / "t", KIOSK_ROLE="township")
    assert {"vendor/simple-keyboard-3.8.192/index.modern.js", "js/keyboard.js"} <= set(registry.get(village).scripts)
    # phones have keyboards of their own; the chips still work there
    assert "vendor/simple-keyboard-3.8.192/index.modern.js" not in registry.get(township).scripts
    assert "js/keyboard.js" in registry.get(township).scripts


def test_vendored_libraries_are_served_from_the_kiosk_with_their_licenses():
    static = Path(service.__file__).resolve().parent.parent / "static"
    for folder in ("simple-keyboard-3.8.192", "simple-keyboard-layouts-3.4.265"):
        assert "MIT License" in (static / "vendor" / folder / "LICENSE").read_text()
    css = (static / "css" / "keyboard.css").read_text()
    assert '@import url("../vendor/simple-keyboard-3.8.192/css/index.css")' in css
    assert not re.search(r"https?://", css + (static / "js" / "keyboard.js").read_text())


def test_flask_keyboard_build_writes_the_table(kiosk, tmp_path, monkeypatch):
    monkeypatch.setattr(service, "corpus_words", lambda: iter(CORPUS))
    out = tmp_path / "built" / "pinyin.sqlite3"
    result = kiosk.test_cli_runner().invoke(args=["keyboard", "build", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert f"{out}: " in result.output and "words" in result.output
    assert words(Dictionary(out).candidates("xiaofangshuan")) == ["消防栓"]
