"""How a text is read aloud in Mandarin: numbers, dates, times and units written as Chinese words,
and the text cut into sentences on Chinese punctuation.

espeak-ng's Mandarin voice reads Arabic digits one way whatever they mean; the village loudspeaker
must say 119 as 幺幺九, 2026年12月1日 as a date, 22:00 as 二十二点, 15 kg as 十五千克 and 30% as 百分之三十.
"""
from __future__ import annotations

import re

DIGITS = "零一二三四五六七八九"
# on the telephone 1 is 幺, so that 119 cannot be heard as 七七九
PHONE_DIGITS = "零幺二三四五六七八九"
# service numbers that are always read digit by digit
SERVICE_NUMBERS = ("110", "119", "120", "122", "12119", "12345", "12315", "12350", "96119")
# what follows a quantity of 2 when it is said 两 (两个, 两次, 两小时)
_LIANG = "个名位次天台辆瓶只条组处户把件箱周"
UNITS = {
    "kg": "千克", "KG": "千克", "Kg": "千克", "公斤": "公斤", "g": "克", "t": "吨",
    "km": "千米", "KM": "千米", "cm": "厘米", "mm": "毫米", "m": "米",
    "m²": "平方米", "m2": "平方米", "㎡": "平方米", "m³": "立方米", "m3": "立方米",
    "MPa": "兆帕", "Mpa": "兆帕", "mpa": "兆帕", "kPa": "千帕",
    "L": "升", "l": "升", "mL": "毫升", "ml": "毫升",
    "℃": "摄氏度", "°C": "摄氏度", "°": "度",
    "h": "小时", "min": "分钟", "s": "秒",
    "kW": "千瓦", "W": "瓦", "V": "伏", "A": "安",
}
_FULL_WIDTH = {0xFF10 + n: str(n) for n in range(10)} | {0xFF05: "%", 0xFF1A: ":", 0xFF0E: ".", 0xFF0D: "-"}
_NUM = r"\d+(?:\.\d+)?"


def _section(n: int) -> str:
    """0 < n < 10000 in words, zeros inside said once (一千零五, 一百零五, 一千零五十)."""
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, n = divmod(n, value)
        if digit:
            out += ("零" if zero else "") + DIGITS[digit] + unit
            zero = False
        elif out:
            zero = True
    return out


def integer(n: int) -> str:
    """An integer in words: 15 十五, 105 一百零五, 2000 两千, 12000 一万二千, 100000 十万."""
    if n < 0:
        return "负" + integer(-n)
    if n == 0:
        return "零"
    if n >= 10**16:
        return digits(str(n), DIGITS)
    groups = []
    while n:
        n, part = divmod(n, 10000)
        groups.append(part)
    out, zero = "", False
    for index in range(len(groups) - 1, -1, -1):
        part = groups[index]
        if not part:
            zero = bool(out)
            continue
        if out and (zero or part < 1000):
            out += "零"
        out += _section(part) + _GROUP_UNITS[index]
        zero = False
    if out.startswith("一十"):
        out = out[1:]  # 十五, 十万, not 一十五
    if out.startswith(("二千", "二万", "二亿")):
        out = "两" + out[1:]
    return out


_GROUP_UNITS = ("", "万", "亿", "兆")


def digits(text: str, table: str = PHONE_DIGITS) -> str:
    return "".join(table[int(c)] for c in text if c.isascii() and c.isdigit())


def decimal(text: str) -> str:
    """3.5 三点五, 0.25 零点二五, 12 十二."""
    whole, _, fraction = text.partition(".")
    said = integer(int(whole))
    return said + ("点" + digits(fraction, DIGITS) if fraction else "")


def _quantity(text: str) -> str:
    return decimal(text) if "." in text else integer(int(text))


def _date(year: str | None, month: str, day: str | None) -> str:
    said = (digits(year, DIGITS) + "年") if year else ""
    said += integer(int(month)) + "月"
    return said + (integer(int(day)) + "日" if day else "")


def _clock(hour: str, minute: str) -> str:
    h, m = int(hour), int(minute)
    if m == 0:
        return integer(h) + "点"
    return integer(h) + "点" + ("零" if m < 10 else "") + integer(m) + "分"


def _unit_pattern() -> str:
    names = sorted(UNITS, key=len, reverse=True)
    return "|".join(re.escape(u) for u in names)


_RULES: list[tuple[re.Pattern, object]] = [
    # 0577-63712119: an area code and a number, digit by digit with a pause
    (re.compile(r"(?<!\d)(0\d{2,3})-(\d{7,8})(?!\d)"), lambda m: digits(m[1]) + "，" + digits(m[2])),
    # dates: 2026年12月1日, 2026-12-01, 2026/12/1, 2026.12.1
    (re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"), lambda m: _date(m[1], m[2], m[3])),
    (re.compile(r"(?<![\d.])(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d.])"), lambda m: _date(m[1], m[2], m[3])),
    (re.compile(r"(?<!\d)(\d{4})\s*年"), lambda m: digits(m[1], DIGITS) + "年"),
    (re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"), lambda m: _date(None, m[1], m[2])),
    # times: 22:00 二十二点, 6:05 六点零五分
    (re.compile(r"(?<!\d)([01]?\d|2[0-4])[:：]([0-5]\d)(?!\d)"), lambda m: _clock(m[1], m[2])),
    # the 1-3-5 goal and other single digits in a row; a specification such as a hose's 13-65-20
    (re.compile(r"(?<!\d)\d(?:-\d){2,}(?!\d)"), lambda m: digits(m[0], DIGITS)),
    (re.compile(r"(?<![\d.])\d+(?:-\d+){2,}(?![\d.])"), lambda m: "杠".join(integer(int(x)) for x in m[0].split("-"))),
    # below zero: -3℃ 零下三摄氏度
    (re.compile(rf"(?<![\d.])[-−]({_NUM})\s*(℃|°C)"), lambda m: "零下" + _quantity(m[1]) + "摄氏度"),
    # percentages and ranges
    (re.compile(rf"({_NUM})\s*[%％]"), lambda m: "百分之" + _quantity(m[1])),
    (re.compile(rf"(?<![\d.])({_NUM})\s*[-~～—–]\s*({_NUM})(?=\s*[^\d\s-])"),
     lambda m: _quantity(m[1]) + "至" + _quantity(m[2])),
    # a quantity with a unit: 15 kg 十五千克, 2.5 MPa 二点五兆帕, 5 m 五米
    (re.compile(rf"(?<![\d.A-Za-z])({_NUM})\s*({_unit_pattern()})(?![A-Za-z²³])"),
     lambda m: _quantity(m[1]) + UNITS[m[2]]),
    # a numbered list: "1. 开展…" is the first item, not 一点
    (re.compile(r"(?m)^(\s*)(\d{1,2})[.．、)）]\s*"), lambda m: m[1] + integer(int(m[2])) + "、"),
    # service numbers, telephone numbers, codes: digit by digit
    (re.compile(r"(?<![\d.])(?:" + "|".join(SERVICE_NUMBERS) + r")(?![\d.])"), lambda m: digits(m[0])),
    (re.compile(r"(?<![\d.])(?:0\d+|\d{5,})(?![\d.])"), lambda m: digits(m[0])),
    # 2 before a measure word is 两
    (re.compile(rf"(?<![\d.])2(?=[{_LIANG}]|小时)"), lambda m: "两"),
    (re.compile(r"(?<![\d.])\d+\.\d+(?![\d.])"), lambda m: decimal(m[0])),
    (re.compile(r"\d+"), lambda m: integer(int(m[0]))),
    (re.compile(r"[×xX](?=\s*\d)"), lambda m: "乘"),
]


def chinese_reading(text: str) -> str:
    """The text with every number written as it is said."""
    said = text.translate(_FULL_WIDTH)
    for pattern, replace in _RULES:
        said = pattern.sub(replace, said)
    return said


_SENTENCE_END = re.compile(r"(?<=[。！？!?；;…])|\n+")
_CLAUSE_END = re.compile(r"(?<=[，,、：:])")
MAX_CLAUSE = 48


def sentences(text: str) -> list[tuple[str, bool]]:
    """The text cut where a reader pauses: ``[(sentence, ends a paragraph)]``. Sentences end on
    。！？；; paragraphs on a new line; a sentence too long to say in one breath is cut again at its
    commas."""
    out: list[tuple[str, bool]] = []
    for paragraph in re.split(r"\n\s*", text.strip()):
        pieces = [p.strip() for p in _SENTENCE_END.split(paragraph) if p and p.strip()]
        for n, piece in enumerate(pieces):
            last = n == len(pieces) - 1
            if len(piece) <= MAX_CLAUSE:
                out.append((piece, last))
                continue
            chunk = ""
            for clause in _CLAUSE_END.split(piece):
                if chunk and len(chunk) + len(clause) > MAX_CLAUSE:
                    out.append((chunk, False))
                    chunk = ""
                chunk += clause
            if chunk:
                out.append((chunk, last))
    return out
