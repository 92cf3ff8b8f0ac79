"""Demo villages, communities and grids: about 300 stations across the district, as in 2021."""

from __future__ import annotations

from nanhai_portal.areas.models import Community, Grid, Town
from nanhai_portal.demo import DemoReport, demo_seeder
from nanhai_portal.tenancy import town_context

COMMUNITIES_PER_TOWN = 43  # 7 x 43 = 301 villages and communities (流管站 300)
GRIDS_PER_COMMUNITY = 4

_FIRST = "东西南北新上下大小平沙石金龙凤华岗塘岭桥涌岸联和兴隆"
_SECOND = "头边洲基围滘村湾田园坑冲塱岗基洞"


def community_name(index: int) -> tuple[str, str]:
    """A plausible, unique name and its kind: villages first, urban communities after."""
    first = _FIRST[index % len(_FIRST)]
    second = _SECOND[(index // len(_FIRST)) % len(_SECOND)]
    kind = Community.Kind.COMMUNITY if index % 3 == 0 else Community.Kind.VILLAGE
    return f"{first}{second}{kind}", kind


@demo_seeder(order=10)
def seed_areas(report: DemoReport, scale: str) -> None:
    made = 0
    for town in Town.objects.all():
        with town_context(town.code):
            communities = []
            for index in range(COMMUNITIES_PER_TOWN):
                name, kind = community_name(index)
                code = f"{town.division_code}{index + 1:03d}"
                communities.append(Community(town=town, code=code, name=name, kind=kind))
            Community.objects.bulk_create(communities, ignore_conflicts=True)
            by_code = {c.code: c for c in Community.objects.all()}
            grids = [
                Grid(
                    town=town,
                    community=community,
                    code=f"{community.code}-{number:02d}",
                    name=f"{community.name}第{number}网格",
                )
                for community in by_code.values()
                for number in range(1, GRIDS_PER_COMMUNITY + 1)
            ]
            Grid.objects.bulk_create(grids, ignore_conflicts=True)
            made += len(by_code)
    report.lines.append(f"{made} villages and communities, {made * GRIDS_PER_COMMUNITY} grids in 7 towns")
