"""Demo practices: menus of the therapist's own types at believable prices, sane weeks, where and how to pay."""

import datetime
import random
from collections import Counter

import pytest

from demo import offerings
from therapists.hours import WEEKEND
from therapists.models import MAX_SERVICE_PRICE, MIN_SERVICE_PRICE, SESSION_LENGTHS, STANDARD_SESSION_MINUTES
from therapists.services.offerings import check_hours

TYPES = [(1, "swedish"), (2, "deep-tissue"), (3, "hot-stone"), (4, "thai"), (5, "sports"), (6, "prenatal")]
SAMPLE = 2000
SEVEN_PM = datetime.time(19, 0)  # an ordinary day closes by then; an evening runs past it


def _practices(count: int = SAMPLE, seed: int = 5) -> list[tuple[list[tuple[int, str]], bool, offerings.Practice]]:
    """`count` practices for random choices of one to three types, a quarter of them travelling."""
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        specialties = rng.sample(TYPES, k=rng.randint(1, 3))
        travels = rng.random() < 0.25
        found.append((specialties, travels, offerings.plan_practice(specialties=specialties, travels=travels, rng=rng)))
    return found


@pytest.fixture(scope="module")
def practices():
    return _practices()


def _share(count: int, total: int) -> float:
    return count / total


def test_plan_practice_is_the_same_for_a_seed():
    assert [p for _s, _t, p in _practices(50)] == [p for _s, _t, p in _practices(50)]
    assert [p for _s, _t, p in _practices(50)] != [p for _s, _t, p in _practices(50, seed=6)]


def test_menus_list_only_the_therapists_own_types_once_per_length(practices):
    for specialties, _travels, practice in practices:
        own = {pk for pk, _slug in specialties}
        assert {line.specialty_id for line in practice.menu} <= own
        keys = [(line.specialty_id, line.minutes) for line in practice.menu]
        assert len(keys) == len(set(keys))
        assert all(line.minutes in SESSION_LENGTHS for line in practice.menu)


def test_menus_have_two_to_six_lines_or_none_for_about_one_in_ten(practices):
    sizes = Counter(len(practice.menu) for _s, _t, practice in practices)
    assert set(sizes) <= {0, 2, 3, 4, 5, 6}
    assert 0.06 < _share(sizes[0], SAMPLE) < 0.14
    assert sizes[2] and sizes[6]


def test_menu_prices_are_whole_fives_in_range_and_rise_with_length(practices):
    for _specialties, _travels, practice in practices:
        by_type: dict[int, list[tuple[int, int]]] = {}
        for line in practice.menu:
            assert MIN_SERVICE_PRICE <= line.price <= MAX_SERVICE_PRICE
            assert line.price % 5 == 0
            by_type.setdefault(line.specialty_id, []).append((line.minutes, line.price))
        for lines in by_type.values():
            prices = [price for _minutes, price in sorted(lines)]
            assert prices == sorted(set(prices)), lines


def test_menu_prices_sit_in_a_believable_us_band_per_type(practices):
    sixty = {slug: [] for _pk, slug in TYPES}
    ratios = []
    slugs = dict(TYPES)
    for _specialties, _travels, practice in practices:
        prices = {(line.specialty_id, line.minutes): line.price for line in practice.menu}
        for (pk, minutes), price in prices.items():
            if minutes == STANDARD_SESSION_MINUTES:
                sixty[slugs[pk]].append(price)
                if (pk, 90) in prices:
                    ratios.append(prices[pk, 90] / price)
    for slug, (low, high) in offerings.PRICE_BANDS_60.items():
        # The band, give or take the practice's own rounding and a few dollars of jitter.
        assert low - 10 <= min(sixty[slug]) and max(sixty[slug]) <= high + 10, slug
    assert sum(sixty["swedish"]) / len(sixty["swedish"]) < sum(sixty["hot-stone"]) / len(sixty["hot-stone"])
    assert 1.3 < sum(ratios) / len(ratios) < 1.5


def test_most_menus_offer_60_and_90_and_short_sessions_only_for_focused_work(practices):
    lines = [(dict(TYPES)[line.specialty_id], line.minutes) for _s, _t, p in practices for line in p.menu]
    lengths = Counter(minutes for _slug, minutes in lines)
    assert lengths[60] > lengths[90] > lengths[75] + lengths[120] + lengths[30] + lengths[45]
    assert {slug for slug, minutes in lines if minutes in (30, 45)} == {"sports"}
    assert 0 < lengths[120] < 0.05 * len(lines)


def test_standard_price_is_the_cheapest_60_minute_service_and_fills_price_60(practices):
    without_sixty = 0
    for _specialties, _travels, practice in practices:
        sixty = [line.price for line in practice.menu if line.minutes == STANDARD_SESSION_MINUTES]
        assert practice.standard_price == (min(sixty) if sixty else None)
        assert practice.therapist_fields()["price_60"] == practice.standard_price
        without_sixty += bool(practice.menu) and not sixty
    assert without_sixty  # a menu without 60 minutes exists, and gives no price_60


def test_weeks_never_overlap_or_invert_and_keep_to_the_quarter_hour(practices):
    for _specialties, _travels, practice in practices:
        assert not check_hours(practice.periods), practice.periods
        for period in practice.periods:
            for moment in (period.opens, period.closes):
                assert moment.minute % 15 == 0 and moment.second == 0


def test_by_appointment_practices_list_no_hours_and_the_rest_do(practices):
    for _specialties, _travels, practice in practices:
        assert practice.by_appointment is not bool(practice.periods)
    by_appointment = sum(p.by_appointment for _s, _t, p in practices)
    assert 0.06 < _share(by_appointment, SAMPLE) < 0.14


def test_weeks_are_mostly_weekday_daytime_with_some_evenings_weekends_and_breaks(practices):
    weeks = [p.periods for _s, _t, p in practices]
    weekends = sum(any(period.weekday in WEEKEND for period in week) for week in weeks)
    evenings = sum(any(period.closes > SEVEN_PM for period in week) for week in weeks)
    breaks = sum(len({period.weekday for period in week}) < len(week) for week in weeks)
    assert 0.22 < _share(weekends, SAMPLE) < 0.38
    assert 0.27 < _share(evenings, SAMPLE) < 0.43
    assert 0.1 < _share(breaks, SAMPLE) < 0.3
    closing = Counter(period.closes.strftime("%H:%M") for week in weeks for period in week)
    assert max(closing["18:00"], closing["19:00"]) == max(closing.values())
    assert all(period.closes.hour <= 21 and period.opens.hour >= 8 for week in weeks for period in week)


def test_evenings_and_weekends_named_in_the_bio_are_those_of_the_week(practices):
    for _specialties, _travels, practice in practices:
        late = [period.closes for period in practice.periods if period.closes > SEVEN_PM]
        assert practice.evening_closes == (max(late) if late else None)
        assert practice.open_weekends is any(period.weekday in WEEKEND for period in practice.periods)


def test_studios_have_a_street_address_most_shown_and_mobile_therapists_a_radius(practices):
    with_room = [(t, p) for _s, t, p in practices if not p.mobile_only]
    for travels, practice in [(t, p) for _s, t, p in practices]:
        assert (practice.travel_radius_km is not None) is travels
        assert not practice.mobile_only or (travels and practice.street_address == "")
        assert not practice.show_address or practice.street_address
    for _travels, practice in with_room:
        assert practice.street_address[0].isdigit() and practice.street_address.split(",")[0].split()[-1] in {
            "St", "Ave", "Rd", "Blvd", "Broadway",
        }  # fmt: skip
    radii = {p.travel_radius_km for _s, t, p in practices if t}
    assert radii == {8, 16, 24, 32, 40}
    shown = _share(sum(p.show_address for _t, p in with_room), len(with_room))
    # About 60% of studios, and studios are about three rooms in four (the rest are homes: the area only).
    assert 0.35 < shown < 0.55
    assert any("Suite" in p.street_address for _t, p in with_room)


def test_payment_mostly_card_many_cash_some_hsa_with_receipts_and_everyone_takes_something(practices):
    facts = [p for _s, _t, p in practices]
    assert all(p.accepts_card or p.accepts_cash for p in facts)
    assert 0.78 < _share(sum(p.accepts_card for p in facts), SAMPLE) < 0.92
    assert 0.5 < _share(sum(p.accepts_cash for p in facts), SAMPLE) < 0.75
    hsa = [p for p in facts if p.accepts_hsa_fsa]
    assert 0.32 < _share(len(hsa), SAMPLE) < 0.48
    assert 0.7 < _share(sum(p.gives_hsa_receipts for p in hsa), len(hsa)) < 0.9
    assert 0.28 < _share(sum(p.sells_gift_cards for p in facts), SAMPLE) < 0.42


def test_cancellation_policies_are_one_line_varied_and_on_most_profiles(practices):
    policies = Counter(p.cancellation_policy for _s, _t, p in practices)
    assert 0.08 < _share(policies[""], SAMPLE) < 0.22
    assert set(policies) - {""} == set(offerings.CANCELLATION_POLICIES)
    assert all("\n" not in policy and len(policy) <= 200 for policy in policies)
