"""The rectification notice (整改通知书) of a rental house, as an A4 PDF in Chinese.

The notice names the town, the house's address and grid, the landlord (ID number masked), each
open hazard (category, what "ok" means, severity, deadline), the legal basis, the grid worker
and the date, and leaves a box for the signatures. It is drawn by ReportLab with a CJK font
that a Debian package provides (``fonts-wqy-microhei``, path in ``RENTALS_NOTICE_FONT``),
embedded as a subset so that any reader shows the characters. Without the font the notice
cannot be made: ``NoticeFontMissing`` (the pages answer 503), and a system check warns at
start-up.

Who may download it (the landlord, the grid worker, the town) is ``rentals.access``'s MANAGE;
each download is audited (``rentals.notice_downloaded``).
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.core import checks
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from nanhai_portal.accounts.models import User
from nanhai_portal.areas.models import Town
from nanhai_portal.areas.selectors import workers_serving
from nanhai_portal.audit.services import audit_record
from nanhai_portal.errors import DomainError
from rentals import conf
from rentals.models import Hazard, RentalHouse

TITLE = "出租屋消防安全隐患整改通知书"
FONT_NAME = "RentalsNoticeCJK"
_registered: dict[str, str] = {}  # font path -> the name ReportLab knows it by


class NoticeFontMissing(DomainError):
    """The notice's CJK font is not installed: the notice cannot be drawn (HTTP 503)."""

    status = 503
    code = "notice_font_missing"


def _font() -> str:
    """The registered name of the notice's font (registered once per path)."""
    path = conf.notice_font()
    if path in _registered:
        return _registered[path]
    if not Path(path).is_file():
        raise NoticeFontMissing(
            _("The rectification notice cannot be made now: its Chinese font is not installed. Try again later.")
        )
    name = f"{FONT_NAME}{len(_registered)}"
    # A collection (.ttc) holds several faces: the first is the regular one.
    options = {"subfontIndex": 0} if path.lower().endswith(".ttc") else {}
    pdfmetrics.registerFont(TTFont(name, path, **options))
    _registered[path] = name
    return name


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=28, alignment=TA_CENTER, spaceAfter=2 * mm),
        "issuer": ParagraphStyle("issuer", parent=base, fontSize=12, leading=18, alignment=TA_CENTER),
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=9.5, leading=13),
        "head": ParagraphStyle("head", parent=base, fontSize=9.5, leading=13, textColor=colors.white),
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=13, textColor=colors.HexColor("#444444")),
    }


def _paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _date(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.year}年{local.month}月{local.day}日"


def _deadline(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def notice_hazards(house: RentalHouse) -> list[Hazard]:
    """The hazards the notice lists: not yet verified, by deadline."""
    return list(
        Hazard.objects.in_current_scope()
        .filter(house=house)
        .exclude(state=Hazard.State.VERIFIED)
        .select_related("category")
        .order_by("due_at", "category__sort_order")
    )


def render_notice(house: RentalHouse, *, now: datetime) -> bytes:
    """The notice of ``house`` as it stands at ``now``, as PDF bytes (``NoticeFontMissing``
    without the font). Read in the house's town."""
    font = _font()
    style = _styles(font)
    town = Town.objects.get(pk=house.town_id)
    hazards = notice_hazards(house)
    workers = "、".join(worker.name or worker.username for worker in workers_serving(house.grid)) or "—"
    landlord = house.landlord
    with translation.override("zh-hans"):  # the notice is in Chinese whoever downloads it
        severities = {hazard.pk: hazard.get_severity_display() for hazard in hazards}
    story: list[Any] = [
        _paragraph(town.name, style["issuer"]),
        _paragraph(TITLE, style["title"]),
        _paragraph(f"编号：{str(house.pk)[:8].upper()}-{timezone.localtime(now):%Y%m%d}", style["small"]),
        Spacer(1, 3 * mm),
        _paragraph(f"{landlord.name}（出租人）：", style["body"]),
        Spacer(1, 2 * mm),
    ]
    facts = [
        ("房屋地址", house.address),
        ("所在网格", f"{house.community.name} · {house.grid.name}"),
        ("出租人", f"{landlord.name}（身份证号 {landlord.id_number_masked}）"),
    ]
    fact_table = Table(
        [[_paragraph(label, style["cell"]), _paragraph(value, style["cell"])] for label, value in facts],
        colWidths=[28 * mm, 142 * mm],
    )
    fact_table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story += [fact_table, Spacer(1, 4 * mm), _paragraph(conf.notice_legal_basis(), style["body"]), Spacer(1, 3 * mm)]
    if hazards:
        rows: list[list[Any]] = [
            [
                _paragraph(text, style["head"])
                for text in ("序号", "隐患类别", "整改要求（合格标准）", "严重程度", "整改期限")
            ]
        ]
        for number, hazard in enumerate(hazards, start=1):
            rows.append(
                [
                    _paragraph(str(number), style["cell"]),
                    _paragraph(hazard.category.name_zh, style["cell"]),
                    _paragraph(hazard.category.ok_zh, style["cell"]),
                    _paragraph(severities[hazard.pk], style["cell"]),
                    _paragraph(_deadline(hazard.due_at), style["cell"]),
                ]
            )
        hazard_table = Table(rows, colWidths=[12 * mm, 34 * mm, 74 * mm, 18 * mm, 32 * mm], repeatRows=1)
        hazard_table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#8e1212")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(hazard_table)
    else:
        story.append(_paragraph("经检查，该出租屋目前没有待整改的消防安全隐患。", style["body"]))
    story += [
        Spacer(1, 4 * mm),
        _paragraph(
            "整改完成后，请在南海新市民服务平台“我的出租屋”上传整改照片，网格员将上门复查。"
            "逾期未整改的，将报镇（街道）跟进处理。",
            style["body"],
        ),
        Spacer(1, 4 * mm),
        _paragraph(f"网格员：{workers}", style["body"]),
        _paragraph(f"开具日期：{_date(now)}", style["body"]),
        Spacer(1, 5 * mm),
    ]
    signature = Table(
        [
            [_paragraph("出租人签收：", style["body"]), _paragraph("网格员签名：", style["body"])],
            ["", ""],
            [_paragraph("日期：", style["body"]), _paragraph("日期：", style["body"])],
        ],
        colWidths=[85 * mm, 85 * mm],
        rowHeights=[9 * mm, 18 * mm, 9 * mm],
    )
    signature.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (0, -1), 0.8, colors.black),
                ("BOX", (1, 0), (1, -1), 0.8, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(signature)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{TITLE} {house.address}",
        author=town.name,
        subject=TITLE,
        invariant=True,  # the same house at the same moment gives the same bytes
    )
    document.build(story)
    return buffer.getvalue()


@transaction.atomic
def notice_issue(*, house: RentalHouse, by: User, now: datetime | None = None) -> bytes:
    """The notice of ``house`` for ``by`` (who may MANAGE it: the landlord, the grid worker,
    the town; the caller checked it with ``access.get_house_for``), audited as
    ``rentals.notice_downloaded`` with the number of hazards listed."""
    now = now or timezone.now()
    pdf = render_notice(house, now=now)
    audit_record(
        action="rentals.notice_downloaded",
        actor=by,
        target=house,
        changes={"hazards": len(notice_hazards(house))},
    )
    return pdf


def notice_file_name(house: RentalHouse, *, now: datetime) -> str:
    return f"rectification-notice-{str(house.pk)[:8]}-{timezone.localtime(now):%Y%m%d}.pdf"


def check_notice_font(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A warning at start-up when the notice's font is missing (the download would answer 503)."""
    path = conf.notice_font()
    if Path(path).is_file():
        return []
    return [
        checks.Warning(
            f"RENTALS_NOTICE_FONT {path!r} is missing: rectification notices answer 503 until it is installed.",
            hint=str(gettext_lazy("Install Debian's fonts-wqy-microhei, or point RENTALS_NOTICE_FONT at a CJK font.")),
            id="rentals.W001",
        )
    ]
