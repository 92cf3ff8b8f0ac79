"""The 16 categories of the fire-safety checklist (消防安全检查 16 类), with what "ok" means."""

from django.db import migrations

# code, Chinese name, English name, ok (Chinese), ok (English), default severity
CATEGORIES = [
    ("ebike_indoor", "电动自行车违规停放充电", "E-bikes parked or charged indoors", "室内、楼道、疏散通道无电动自行车停放或充电", "No e-bike is parked or charged in rooms, corridors or escape routes", "major"),
    ("extinguisher", "灭火器", "Fire extinguishers", "每层配置合格灭火器，压力正常、在有效期内", "Every floor has a working extinguisher, pressure in the green, within its date", "general"),
    ("smoke_alarm", "独立式烟感报警器", "Smoke alarms", "每个房间安装独立式烟感报警器且能正常报警", "Every room has a stand-alone smoke alarm that sounds when tested", "general"),
    ("emergency_lighting", "应急照明和疏散指示", "Emergency lighting and exit signs", "楼梯间设应急照明和疏散指示标志，断电后能亮", "Stairs have emergency lights and exit signs that stay lit on a power cut", "general"),
    ("evacuation_route", "疏散通道和楼梯", "Evacuation routes and stairs", "疏散通道、楼梯畅通，无堆放、无锁闭", "Escape routes and stairs are clear, nothing stored, nothing locked", "major"),
    ("escape_window", "防盗网逃生窗", "Escape windows in anti-theft bars", "防盗网设可从内部开启的逃生窗", "Anti-theft bars have an escape window that opens from inside", "major"),
    ("electrical_wiring", "电气线路", "Electrical wiring and overloads", "电线穿管保护，无私拉乱接、无超负荷用电", "Wiring in conduit, no makeshift connections, no overloaded sockets", "major"),
    ("gas", "燃气", "Gas", "燃气管道和软管完好，安装燃气泄漏报警器，钢瓶不超量存放", "Gas pipes and hoses sound, a leak alarm fitted, no spare cylinders stored", "major"),
    ("outdoor_charging", "室外电动车充电设施", "Outdoor e-bike charging points", "设有室外集中充电设施，带定时断电和过载保护", "An outdoor charging point with a timer and overload cut-out is provided", "general"),
    ("hydrant", "消火栓", "Fire hoses and hydrants", "消火栓箱完好，水带水枪齐全，有水", "Hose reels and hydrants complete, with water", "general"),
    ("fire_door", "防火门", "Fire doors", "防火门完好，能自行关闭，常闭", "Fire doors intact, self-closing and kept shut", "general"),
    ("combustible_storage", "易燃可燃物堆放", "Combustible storage", "楼内无易燃可燃物品堆放", "No flammable or combustible goods stored in the building", "general"),
    ("kitchen_fire", "厨房用火", "Kitchens and open fire", "厨房用火有人看管，炉灶远离可燃物", "Cooking is watched, stoves are away from anything that burns", "general"),
    ("escape_mask", "逃生面罩/自救呼吸器", "Escape masks", "每层配备逃生面罩（自救呼吸器）", "Every floor has escape masks (self-rescue breathing sets)", "general"),
    ("fire_blanket", "灭火毯", "Fire blankets", "厨房配备灭火毯", "The kitchen has a fire blanket", "general"),
    ("mixed_use", "三合一场所", "Mixed residential and commercial use", "住宿与生产、经营、储存场所防火分隔，独立疏散", "Living quarters are fire-separated from work, shop or storage, with their own exit", "major"),
]


def load(apps, schema_editor):
    HazardCategory = apps.get_model("rentals", "HazardCategory")
    # The database being migrated, not the default one (they differ for a second database).
    using = schema_editor.connection.alias
    for order, (code, name_zh, name_en, ok_zh, ok_en, severity) in enumerate(CATEGORIES, start=1):
        HazardCategory.objects.using(using).update_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "ok_zh": ok_zh,
                "ok_en": ok_en,
                "default_severity": severity,
                "sort_order": order * 10,
            },
        )


def unload(apps, schema_editor):
    categories = apps.get_model("rentals", "HazardCategory").objects.using(schema_editor.connection.alias)
    categories.filter(code__in=[row[0] for row in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("rentals", "0002_same_town")]

    operations = [migrations.RunPython(load, unload)]
