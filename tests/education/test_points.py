"""Points by hand: a family's breakdown line by line, caps, exclusions, deductions, disqualification,
catchment, bad facts and broken schemes; then properties that hold for any facts and any valid scheme."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from random import Random

import pytest
from django.utils import translation
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from education.points import (
    MAX_QUANTITY,
    CapGroup,
    FactsInvalid,
    FactSource,
    ItemKind,
    Result,
    Scheme,
    SchemeInvalid,
    SchemeItem,
    Unit,
    foshan_demo_scheme,
    notes_explained,
    points_at_school,
    points_compute,
    scheme_problems,
)

D = Decimal
DEMO = foshan_demo_scheme()


@pytest.fixture(autouse=True)
def _in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


def breakdown(result: Result) -> dict[str, tuple[Decimal | None, Decimal, Decimal, tuple[str, ...]]]:
    """code -> (quantity, raw, points, notes): the breakdown as a family reads it."""
    return {line.code: (line.quantity, line.raw, line.points, line.notes) for line in result.lines}


THE_WANGS = {
    "residence_permit": D(6),
    "owned_home": D("88.5"),
    "registered_rental": D(4),
    "social_insurance_guangdong": D(12),
    "social_insurance_foshan": D(11),
    "bachelor_degree": D(1),
    "credit_blacklist": D(1),
    "false_documents": D(0),
    "catchment_community": D(1),
}


def test_a_family_with_a_home_insurance_a_degree_and_a_record() -> None:
    # Given six years of permit, an 88.5 m² home and four years of rental before it, twelve
    # years of Guangdong and eleven of Foshan social insurance, a degree and one blacklist record
    result = points_compute(DEMO, THE_WANGS)

    # Then each line says what it counted and why: the rental is not added to the home, each
    # insurance item stops at its own cap (and 50 + 100 stays within the group's 150)
    assert breakdown(result) == {
        "residence_permit": (D(6), D("60.00"), D("60.00"), ()),
        "residence_registration": (None, D(0), D(0), ("no_fact",)),
        "owned_home": (D("88.5"), D("88.50"), D("88.50"), ()),
        "registered_rental": (D(4), D("20.00"), D(0), ("excluded_by:owned_home",)),
        "social_insurance_guangdong": (D(12), D("60.00"), D(50), ("item_cap",)),
        "social_insurance_foshan": (D(11), D("110.00"), D(100), ("item_cap",)),
        "bachelor_degree": (D(1), D("20.00"), D(20), ()),
        "college_diploma": (None, D(0), D(0), ("no_fact",)),
        "volunteer_service": (None, D(0), D(0), ("no_fact",)),
        "model_worker": (None, D(0), D(0), ("no_fact",)),
        "credit_blacklist": (D(1), D("-20.00"), D(-20), ()),
        "false_documents": (D(0), D(0), D(0), ()),
        "catchment_community": (D(1), D("30.00"), D(30), ()),
    }
    # 60 + 88.50 + 50 + 100 + 20 − 20; the catchment's 30 count only at a catchment school
    assert (result.total, result.catchment_points, result.disqualified) == (D("298.50"), D(30), False)
    assert result.scheme_version == "foshan-demo/2026"
    assert all(line.points.as_tuple().exponent == -2 for line in result.lines)  # shown in hundredths


def test_the_family_reads_why_in_words() -> None:
    result = points_compute(DEMO, THE_WANGS)
    lines = {line.code: line for line in result.lines}

    assert notes_explained(DEMO, lines["registered_rental"]) == ["Not added: “Area of an owned home” counts instead."]
    assert notes_explained(DEMO, lines["social_insurance_foshan"]) == ["Capped at this item's limit of 100."]
    assert notes_explained(DEMO, lines["college_diploma"]) == ["No verified fact: it counts 0."]
    assert notes_explained(DEMO, lines["residence_permit"]) == []

    lowered = dataclasses.replace(DEMO, groups=(CapGroup("social_insurance", "Social insurance", D("120.00")),))
    line = points_compute(lowered, THE_WANGS).lines[5]
    assert notes_explained(lowered, line) == [
        "Capped at this item's limit of 100.",
        "Capped: the items of “Social insurance” count 120 at most together.",
    ]
    line = points_compute(DEMO, {"false_documents": D(1)}).lines[11]
    assert notes_explained(DEMO, line) == ["This disqualifies the application."]


def test_catchment_points_count_only_at_a_school_whose_catchment_the_family_lives_in() -> None:
    result = points_compute(DEMO, THE_WANGS)

    assert points_at_school(result, in_catchment=True) == D("328.50")
    assert points_at_school(result, in_catchment=False) == D("298.50")


def test_a_town_that_lowers_the_insurance_cap_sees_the_later_item_absorb_the_cut() -> None:
    # Given a town whose scheme allows 120 for social insurance together
    lowered = dataclasses.replace(DEMO, groups=(CapGroup("social_insurance", "Social insurance", D(120)),))

    result = points_compute(lowered, THE_WANGS)

    # Then Guangdong (first in the scheme) keeps its 50 and Foshan counts the 70 left
    lines = breakdown(result)
    assert lines["social_insurance_guangdong"][2:] == (D(50), ("item_cap",))
    assert lines["social_insurance_foshan"][2:] == (D(70), ("item_cap", "group_cap:social_insurance"))
    assert result.total == D("268.50")

    # When the town lists Foshan first, Foshan keeps its 100 and Guangdong absorbs the cut instead
    items = list(lowered.items)
    items[4], items[5] = items[5], items[4]
    reordered = points_compute(dataclasses.replace(lowered, items=tuple(items)), THE_WANGS)
    lines = breakdown(reordered)
    assert lines["social_insurance_foshan"][2:] == (D(100), ("item_cap",))
    assert lines["social_insurance_guangdong"][2:] == (D(20), ("item_cap", "group_cap:social_insurance"))
    assert reordered.total == result.total


def test_of_a_small_home_and_a_long_rental_the_rental_counts() -> None:
    result = points_compute(DEMO, {"owned_home": D(19), "registered_rental": D(5)})

    lines = breakdown(result)
    assert lines["owned_home"][2:] == (D(0), ("excluded_by:registered_rental",))
    assert lines["registered_rental"][2:] == (D(25), ())
    assert result.total == D(25)


def test_on_a_tie_in_an_exclusive_set_the_first_item_of_the_scheme_counts() -> None:
    result = points_compute(DEMO, {"owned_home": D(20), "registered_rental": D(4)})

    lines = breakdown(result)
    assert lines["owned_home"][2:] == (D(20), ())
    assert lines["registered_rental"][2:] == (D(0), ("excluded_by:owned_home",))


def test_a_degree_and_a_diploma_do_not_add_up() -> None:
    result = points_compute(DEMO, {"bachelor_degree": D(1), "college_diploma": D(1)})

    assert breakdown(result)["college_diploma"][2:] == (D(0), ("excluded_by:bachelor_degree",))
    assert result.total == D(20)


def test_fractions_of_a_square_metre_or_an_hour_count_down_to_the_hundredth() -> None:
    result = points_compute(DEMO, {"owned_home": D("88.567"), "volunteer_service": D("37.55")})

    lines = breakdown(result)
    assert lines["owned_home"][1:3] == (D("88.56"), D("88.56"))
    assert lines["volunteer_service"][1:3] == (D("3.75"), D("3.75"))  # 3.755 points: the half hundredth is not given
    assert result.total == D("92.31")


def test_no_digit_is_rounded_up_on_the_way() -> None:
    # 31 significant digits: Python's default 28 would round the product up to 88.57 before our rounding down
    result = points_compute(DEMO, {"owned_home": D("88.56999999999999999999999999999")})

    assert breakdown(result)["owned_home"][1:3] == (D("88.56"), D("88.56"))


def test_a_fact_of_zero_shows_zero_points_never_minus_zero() -> None:
    result = points_compute(DEMO, {"credit_blacklist": D(0), "residence_permit": D("-0")})

    shown = {line.code: (str(line.quantity), str(line.raw), str(line.points)) for line in result.lines}
    assert shown["credit_blacklist"] == ("0", "0.00", "0.00")
    assert shown["residence_permit"] == ("0", "0.00", "0.00")
    assert str(result.total) == "0.00"


def test_volunteer_hours_stop_at_their_cap() -> None:
    result = points_compute(DEMO, {"volunteer_service": D(150)})

    assert breakdown(result)["volunteer_service"][1:] == (D(15), D(10), ("item_cap",))


def test_a_large_home_stops_at_144() -> None:
    result = points_compute(DEMO, {"owned_home": D("210.4"), "registered_rental": D(10)})

    lines = breakdown(result)
    assert lines["owned_home"][1:] == (D("210.40"), D(144), ("item_cap",))
    assert lines["registered_rental"][1:] == (D(50), D(0), ("item_cap", "excluded_by:owned_home"))


def test_false_documents_disqualify_but_the_points_are_still_shown() -> None:
    facts = {"residence_permit": D(3), "catchment_community": D(1), "false_documents": D(1)}

    result = points_compute(DEMO, facts)

    assert result.disqualified is True
    assert breakdown(result)["false_documents"] == (D(1), D(0), D(0), ("disqualified",))
    assert (result.total, result.catchment_points) == (D(30), D(30))
    # A disqualified family has no priority at any school, catchment or not
    for in_catchment in (True, False):
        with pytest.raises(ValueError, match="disqualified"):
            points_at_school(result, in_catchment=in_catchment)


def test_records_on_the_blacklist_can_take_the_total_below_zero() -> None:
    result = points_compute(DEMO, {"residence_permit": D(1), "credit_blacklist": D(2)})

    assert breakdown(result)["credit_blacklist"][1:3] == (D(-40), D(-40))
    assert result.total == D(-30)
    assert points_at_school(result, in_catchment=False) == D(-30)


def test_a_family_with_no_verified_facts_scores_nothing_on_every_line() -> None:
    result = points_compute(DEMO, {})

    assert [line.notes for line in result.lines] == [("no_fact",)] * len(DEMO.items)
    assert (result.total, result.catchment_points, result.disqualified) == (D(0), D(0), False)


def test_whole_numbers_may_be_given_as_int() -> None:
    assert points_compute(DEMO, {"residence_permit": 6}).total == D(60)


@pytest.mark.parametrize(
    ("code", "value", "why"),
    [
        ("residence_permit", D(-1), "cannot be negative"),
        ("school_district_house", D(1), "has no item “school_district_house”"),
        ("owned_home", 88.5, "must be a decimal number"),
        ("owned_home", "88.5", "must be a decimal number"),
        ("owned_home", D("NaN"), "must be a decimal number"),
        ("owned_home", D("Infinity"), "must be a decimal number"),
        ("bachelor_degree", True, "must be a decimal number"),
        ("owned_home", MAX_QUANTITY + 1, "cannot be more than 1,000,000"),
        ("residence_permit", D("6.5"), "whole units"),
        ("credit_blacklist", D("0.5"), "whole units"),
        ("bachelor_degree", D(2), "yes or no"),
    ],
)
def test_a_bad_fact_is_refused_with_its_reason(code: str, value: object, why: str) -> None:
    facts = {"residence_permit": D(6), code: value}

    with pytest.raises(FactsInvalid) as refused:
        points_compute(DEMO, facts)

    assert list(refused.value.errors) == [code]
    assert why in refused.value.errors[code]
    assert facts == {"residence_permit": D(6), code: value}  # the caller's facts are untouched


def test_every_bad_fact_is_named_at_once() -> None:
    with pytest.raises(FactsInvalid) as refused:
        points_compute(DEMO, {"residence_permit": D(-3), "owned_home": D(90), "pets": D(2)})

    assert set(refused.value.errors) == {"residence_permit", "pets"}
    assert isinstance(refused.value, ValueError)


def item(code: str, kind: ItemKind = ItemKind.ADD, **changes: object) -> SchemeItem:
    fields: dict[str, object] = {
        "code": code,
        "name": code.replace("_", " "),
        "kind": kind,
        "unit": Unit.YEAR,
        "points_per_unit": {ItemKind.DEDUCT: D(-5), ItemKind.DISQUALIFY: D(0)}.get(kind, D(5)),
        "cap": None,
        "group": None,
        "exclusive_set": None,
        "source": FactSource.DOCUMENT,
        "documents": (),
    }
    return SchemeItem(**(fields | changes))


GROUP = CapGroup("insurance", "insurance", D(100))


@pytest.mark.parametrize(
    ("scheme", "problem"),
    [
        (Scheme("", (item("a"),)), "no version"),
        (Scheme("v1", ()), "no items"),
        (Scheme("v1", (item("a", group="insurance"),)), "the group “insurance”, which the scheme does not have"),
        (Scheme("v1", (item("a", cap=D(-1)),)), "cap of item “a” must be a number of points of at least 0"),
        (Scheme("v1", (item("a", cap=D("10.005")),)), "cap of item “a” must be a number of points"),
        (Scheme("v1", (item("a", group="insurance"),), (CapGroup("insurance", "x", D(-5)),)), "cap of group"),
        (Scheme("v1", (item("a"), item("a"))), "“a” is used more than once"),
        (Scheme("v1", (item("a", group="insurance"),), (GROUP, GROUP)), "“insurance” is used more than once"),
        (Scheme("v1", (item("Home area"),)), "“Home area” is not valid"),
        (Scheme("v1", (item("a:b"),)), "“a:b” is not valid"),
        (Scheme("v1", (item("a", name=" "),)), "“a” has no name"),
        (Scheme("v1", (item("a", kind="subtract"),)), "unknown kind, unit or source"),
        (Scheme("v1", (item("a", unit="acre"),)), "unknown kind, unit or source"),
        (
            Scheme("v1", (item("a", group="insurance"), item("near", ItemKind.CATCHMENT, group="insurance")), (GROUP,)),
            "“near” cannot be in a cap group",
        ),
        (
            Scheme("v1", (item("a", group="insurance"), item("fine", ItemKind.DEDUCT, group="insurance")), (GROUP,)),
            "“fine” cannot be in a cap group",
        ),
        (Scheme("v1", (item("a"),), (GROUP,)), "group “insurance” has no items"),
        (Scheme("v1", (item("fine", ItemKind.DEDUCT, points_per_unit=D(5)),)), "must take points"),
        (Scheme("v1", (item("a", points_per_unit=D(0)),)), "must give points"),
        (Scheme("v1", (item("a", points_per_unit=5),)), "points per unit of item “a” must be a number"),
        (Scheme("v1", (item("a", points_per_unit=D("NaN")),)), "points per unit of item “a” must be a number"),
        (Scheme("v1", (item("fake", ItemKind.DISQUALIFY, points_per_unit=D(-100)),)), "scores no points"),
        (Scheme("v1", (item("fake", ItemKind.DISQUALIFY, cap=D(0)),)), "so it has no cap"),
        (Scheme("v1", (item("a", exclusive_set="housing"),)), "“housing” has one item"),
        (
            Scheme("v1", (item("a", exclusive_set="housing"), item("b", ItemKind.BONUS, exclusive_set="housing"))),
            "“housing” mixes kinds",
        ),
        (
            Scheme("v1", (item("a", exclusive_set="s", group="insurance"), item("b", exclusive_set="s")), (GROUP,)),
            "exclusive set “s” must count towards one cap group",
        ),
        (
            Scheme(
                "v1", (item("f", ItemKind.DEDUCT, exclusive_set="s"), item("g", ItemKind.DEDUCT, exclusive_set="s"))
            ),
            "“f” cannot be in an exclusive set",
        ),
        (
            Scheme("v1", (item("permit", unit=Unit.SQUARE_METRE, source=FactSource.RESIDENCE_PERMIT),)),
            "comes from the portal's records",
        ),
    ],
)
def test_a_broken_scheme_says_what_is_wrong(scheme: Scheme, problem: str) -> None:
    problems = scheme_problems(scheme)

    assert any(problem in found for found in problems), problems
    with pytest.raises(SchemeInvalid) as refused:
        points_compute(scheme, {})
    assert refused.value.problems == problems


def test_a_scheme_with_an_absurd_cap_is_judged_not_crashed_on() -> None:
    absurd = Scheme("v1", (item("a", cap=D("1E+31"), points_per_unit=D("1E+30")),))

    assert scheme_problems(absurd) == []
    assert points_compute(absurd, {"a": D(20)}).total == D("1E+31")


def test_the_demo_scheme_is_valid_and_tells_families_what_to_bring() -> None:
    assert scheme_problems(DEMO) == []
    portal = {item.code for item in DEMO.items if item.source != FactSource.DOCUMENT}
    assert portal == {"residence_permit", "residence_registration"}
    documents = {item.code: [str(document) for document in item.documents] for item in DEMO.items}
    assert documents["owned_home"] == ["property certificate"]
    assert documents["social_insurance_foshan"] == ["social insurance payment record"]


def test_every_name_of_the_demo_scheme_has_its_chinese() -> None:
    catalogue = (Path(__file__).resolve().parents[2] / "locale/zh_Hans/LC_MESSAGES/django.po").read_text()
    translated = dict(re.findall(r'^msgid "(.+)"\nmsgstr "(.+)"$', catalogue, flags=re.MULTILINE))
    texts = {str(item.name) for item in DEMO.items} | {str(group.name) for group in DEMO.groups}
    texts |= {str(document) for item in DEMO.items for document in item.documents}
    texts |= {str(label) for choices in (ItemKind, FactSource, Unit) for label in choices.labels}

    assert sorted(texts - set(translated)) == []


# Properties: any facts, on the demo scheme and on any valid scheme a town could make.

HUGE = D(10**9)
PROPERTIES = settings(deadline=None, database=None, max_examples=200)


def quantities(unit: str) -> st.SearchStrategy[Decimal]:
    if unit == Unit.FLAG:
        return st.sampled_from([D(0), D(1)])
    if unit in (Unit.YEAR, Unit.ITEM):
        return st.integers(0, 40).map(D)
    return st.decimals(min_value=0, max_value=400, places=3)


@st.composite
def schemes(draw: st.DrawFn) -> Scheme:
    """A valid scheme of up to eight items of every kind, with cap groups and exclusive sets."""
    items = []
    for index in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(list(ItemKind)))
        points = draw(st.decimals(min_value=D("0.01"), max_value=50, places=2))
        group = draw(st.sampled_from([None, "g0", "g1"])) if kind in (ItemKind.ADD, ItemKind.BONUS) else None
        exclusive = kind not in (ItemKind.DEDUCT, ItemKind.DISQUALIFY) and draw(st.booleans())
        items.append(
            item(
                f"item_{index}",
                kind,
                unit=draw(st.sampled_from(list(Unit))),
                points_per_unit={ItemKind.DEDUCT: -points, ItemKind.DISQUALIFY: D(0)}.get(kind, points),
                cap=None if kind == ItemKind.DISQUALIFY else draw(st.none() | st.decimals(0, 200, places=2)),
                group=group,
                exclusive_set=f"{kind}_{group}" if exclusive else None,  # one kind and one group per set
            )
        )
    sets = [one.exclusive_set for one in items]
    items = [
        one if sets.count(one.exclusive_set) > 1 else dataclasses.replace(one, exclusive_set=None) for one in items
    ]
    groups = tuple(
        CapGroup(code, code, draw(st.decimals(min_value=0, max_value=300, places=2)))
        for code in ("g0", "g1")
        if any(one.group == code for one in items)
    )
    scheme = Scheme("random/1", tuple(items), groups)
    assert scheme_problems(scheme) == []
    return scheme


@st.composite
def schemes_and_facts(draw: st.DrawFn, scheme: Scheme | None = None) -> tuple[Scheme, dict[str, Decimal]]:
    scheme = scheme or draw(schemes())
    facts = {one.code: draw(quantities(one.unit)) for one in scheme.items if draw(st.booleans())}
    return scheme, facts


any_scheme_and_facts = schemes_and_facts(DEMO) | schemes_and_facts()


def ceiling(scheme: Scheme) -> Decimal:
    """The most a scheme can give: each item's cap (a flag's points per unit), each group at most its cap."""
    most = {
        one.code: one.cap if one.cap is not None else one.points_per_unit if one.unit == Unit.FLAG else HUGE
        for one in scheme.items
        if one.kind in (ItemKind.ADD, ItemKind.BONUS)
    }
    grouped = {
        group.code: min(group.cap, sum((most[one.code] for one in scheme.items if one.group == group.code), D(0)))
        for group in scheme.groups
    }
    ungrouped = sum((most[one.code] for one in scheme.items if one.code in most and one.group is None), D(0))
    return ungrouped + sum(grouped.values(), D(0))


@PROPERTIES
@given(any_scheme_and_facts)
def test_the_breakdown_adds_up_and_no_cap_is_ever_passed(case: tuple[Scheme, dict[str, Decimal]]) -> None:
    scheme, facts = case

    result = points_compute(scheme, facts)

    assert result.total == sum(line.points for line in result.lines if line.kind != ItemKind.CATCHMENT)
    assert result.catchment_points == sum(line.points for line in result.lines if line.kind == ItemKind.CATCHMENT)
    assert result.total <= ceiling(scheme)
    for line, one in zip(result.lines, scheme.items, strict=True):
        assert line.code == one.code
        assert one.cap is None or abs(line.points) <= one.cap
        assert abs(line.points) <= abs(line.raw)
    for group in scheme.groups:
        assert (
            sum(line.points for line, one in zip(result.lines, scheme.items, strict=True) if one.group == group.code)
            <= group.cap
        )
    counted: dict[str, int] = {}
    for line, one in zip(result.lines, scheme.items, strict=True):
        if one.exclusive_set is not None and line.points > 0:
            counted[one.exclusive_set] = counted.get(one.exclusive_set, 0) + 1
    assert all(count == 1 for count in counted.values())
    capped = {
        line.code: line.raw if one.cap is None else min(line.raw, one.cap)
        for line, one in zip(result.lines, scheme.items, strict=True)
    }
    for line in result.lines:
        for note in line.notes:
            if note.startswith("excluded_by:"):  # the item that counts had at least as many points
                assert capped[line.code] <= capped[note.removeprefix("excluded_by:")]
    assert result.disqualified == any(
        facts.get(one.code, 0) > 0 for one in scheme.items if one.kind == ItemKind.DISQUALIFY
    )


@PROPERTIES
@given(any_scheme_and_facts, st.data())
def test_more_of_a_fact_moves_the_total_only_its_own_way(
    case: tuple[Scheme, dict[str, Decimal]], data: st.DataObject
) -> None:
    scheme, facts = case
    more = data.draw(st.sampled_from(scheme.items))
    assume(more.kind != ItemKind.DISQUALIFY)
    before = facts.get(more.code, D(0))
    after = D(1) if more.unit == Unit.FLAG else before + data.draw(quantities(more.unit))

    then, now = points_compute(scheme, facts), points_compute(scheme, facts | {more.code: after})

    if more.kind == ItemKind.DEDUCT:
        assert now.total <= then.total
    elif more.kind == ItemKind.CATCHMENT:
        assert (now.total, now.catchment_points >= then.catchment_points) == (then.total, True)
    else:  # a basic or bonus item: a group or an exclusive set may absorb it, but never lose points for it
        assert now.total >= then.total


@PROPERTIES
@given(any_scheme_and_facts, st.randoms())
def test_the_order_of_the_facts_does_not_matter(case: tuple[Scheme, dict[str, Decimal]], random: Random) -> None:
    scheme, facts = case
    codes = list(facts)
    random.shuffle(codes)

    assert points_compute(scheme, {code: facts[code] for code in codes}) == points_compute(scheme, facts)
