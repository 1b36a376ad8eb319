"""The village's fire-safety vocabulary: offered before any other word with the same pinyin.

In order of how often the kiosk's forms need them (hazard locations and descriptions, closing notes,
visit records, equipment names); earlier words rank higher. Taken from ../shared/DOMAIN.md's terms.
"""
from __future__ import annotations

FIRE_SAFETY_WORDS = (
    # the words the kiosk's forms need most, first
    "消防栓", "消火栓", "灭火器", "电动车", "电动自行车", "液化气", "液化气瓶",
    "消防通道", "微型消防站", "隐患", "整改", "巡查", "防火公约", "水带", "水枪",
    "消防水池", "消防",
    # hydrants, pools and the micro station's equipment
    "干粉灭火器", "分水器", "消火栓扳手", "消防站", "强光照明灯", "手抬机动消防泵",
    "机动消防泵", "消防泵", "消防摩托车", "消防三轮车", "消防头盔", "灭火防护服",
    "消防手套", "灭火防护靴", "安全腰带", "逃生面罩", "正压式空气呼吸器", "空气呼吸器",
    "消防斧", "铁铤", "拉梯", "手持对讲机", "对讲机", "压力表", "铅封", "保险销",
    "喷管", "有效期", "消防车", "消防器材", "消防设施",
    # hazards
    "电瓶车", "飞线充电", "充电", "集中充电", "充电桩", "液化石油气", "煤气罐",
    "燃气", "钢瓶", "消防车通道", "安全出口", "疏散通道", "楼道", "楼梯间",
    "火灾隐患", "私拉乱接", "乱拉电线", "漏电保护器", "电线老化", "超负荷",
    "堆放可燃物", "可燃物", "易燃易爆", "堵塞", "占用", "消防设施损坏", "野外用火",
    "烧纸", "烟花爆竹", "三合一", "出租房", "合用场所", "自建房", "人员密集场所",
    "三木", "木楼梯", "烟感", "烟雾报警器", "独立式烟感报警器", "逃生绳", "防烟面罩",
    "手电筒", "独居老人", "防盗窗", "逃生口", "保险丝", "穿管",
    # what the village does about them
    "整改通知书", "限期整改", "复查", "排查", "检查", "当场整改", "已整改",
    "已清理", "已移走", "已搬离", "抄告", "挂牌督办", "督办", "摘牌", "预警",
    "闭环", "敲门入户", "入户走访", "宣传", "消防宣传", "应急广播", "群防群治",
    "平安巡防员", "巡防", "夜间巡查", "打更", "网格员", "消防安全", "消防安全管理人",
    "消防安全委员会", "志愿消防队", "专职消防队", "村委会", "三清三关", "重点时段",
    "备案",
)

# pypinyin reads 铤 as ding; in 铁铤 (a pry bar) it is ting
READINGS = {"铁铤": "tie ting"}
