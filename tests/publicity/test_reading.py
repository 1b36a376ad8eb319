"""How the loudspeaker says numbers: as a villager would read them out, not digit by digit."""
import pytest

from kiosk.publicity.reading import chinese_reading, integer, sentences


@pytest.mark.parametrize("n, said", [
    (0, "零"), (2, "二"), (10, "十"), (15, "十五"), (20, "二十"), (105, "一百零五"), (110, "一百一十"),
    (1005, "一千零五"), (1050, "一千零五十"), (2000, "两千"), (10005, "一万零五"), (12000, "一万二千"),
    (100000, "十万"), (110000, "十一万"), (300000005, "三亿零五")])
def test_integers(n, said):
    assert integer(n) == said


@pytest.mark.parametrize("text, said", [
    ("发生火灾请拨打119。", "发生火灾请拨打幺幺九。"),
    ("自2026年12月1日起施行", "自二零二六年十二月一日起施行"),
    ("有效期至2026-12-31", "有效期至二零二六年十二月三十一日"),
    ("12月1日晚", "十二月一日晚"),
    ("每天22:00至次日06:00开展夜间巡查", "每天二十二点至次日六点开展夜间巡查"),
    ("6:05集合", "六点零五分集合"),
    ("最多两个15 kg液化气瓶", "最多两个十五千克液化气瓶"),
    ("存放2个15kg气瓶", "存放两个十五千克气瓶"),
    ("气瓶压力不低于2.5 MPa", "气瓶压力不低于二点五兆帕"),
    ("消火栓周围5米内、距离5 m", "消火栓周围五米内、距离五米"),
    ("“1-3-5”目标", "“一三五”目标"),
    ("湿度低于30%", "湿度低于百分之三十"),
    ("未来48小时阵风可达9级", "未来四十八小时阵风可达九级"),
    ("气温-3℃", "气温零下三摄氏度"),
    ("10-20人", "十至二十人"),
    ("水带13-65-20", "水带十三杠六十五杠二十"),
    ("值班电话0577-63712119", "值班电话零五七七，六三七幺二幺幺九"),
    ("联系13857712301", "联系幺三八五七七幺二三零幺"),
    ("１１９", "幺幺九"),
    ("1. 开展敲门入户；\n2. 检查灭火器", "一、开展敲门入户；\n二、检查灭火器"),
])
def test_numbers_dates_and_units_are_read_as_chinese(text, said):
    assert chinese_reading(text) == said


def test_the_text_is_cut_on_chinese_punctuation():
    text = ("大风橙色预警：严禁野外用火。县气象台发布大风橙色预警！请各村立即通知村民：严禁野外用火、焚烧秸秆和"
            "上坟烧纸；微型消防站人员在岗待命，村干部分片包干，党员志愿者协助劝导，发现火情立即报告并组织扑救，"
            "确保小火不出村。\n收到后请确认。")
    parts = sentences(text)
    assert [p for p, _end in parts][:3] == ["大风橙色预警：严禁野外用火。", "县气象台发布大风橙色预警！",
                                           "请各村立即通知村民：严禁野外用火、焚烧秸秆和上坟烧纸；"]
    assert all(len(p) <= 48 for p, _end in parts)  # a long sentence is cut again at its commas
    assert [end for _p, end in parts].count(True) == 2  # two paragraphs
    assert "".join(p for p, _end in parts) == text.replace("\n", "")
