"""Synthetic people for demos and benchmarks: valid ID numbers with Nanhai region codes."""

from __future__ import annotations

import random
from datetime import date, timedelta

from nanhai_portal.pii.validators import id_check_character

NANHAI_REGION = "440605"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红玲建国志文斌辉鹏飞宇浩然思雨欣怡子涵"
ORIGIN_REGIONS = ["440605", "431102", "452501", "510722", "360124", "421087", "350583", "411302", "440881", "445281"]


def id_number(
    rng: random.Random, *, region: str | None = None, born: date | None = None, serial: int | None = None
) -> str:
    """A structurally valid 18-character ID number (GB 11643) for nobody in particular."""
    region = region or rng.choice(ORIGIN_REGIONS)
    born = born or date(1965, 1, 1) + timedelta(days=rng.randrange(0, 365 * 40))
    serial = rng.randrange(0, 1000) if serial is None else serial % 1000
    first17 = f"{region}{born:%Y%m%d}{serial:03d}"
    return first17 + id_check_character(first17)


def name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(0, 10**9):09d}"
