"""The practical side of a demo practice for `seed_demo`: its menu, weekly hours, where it is and how to pay.

Drawn from the caller's random generator only, so the same seed gives the same practices. The shares below are
what a client browsing a US directory meets: most therapists price 60 and 90 minutes, work weekdays in the daytime
and take cards; fewer work evenings or weekends, travel to clients or take HSA/FSA cards; a few list nothing yet.
"""

import datetime
import random
from dataclasses import dataclass, field

from therapists.hours import Period, opens_evenings, opens_weekends
from therapists.models import MAX_SERVICE_PRICE, MIN_SERVICE_PRICE, STANDARD_SESSION_MINUTES, OpeningPeriod
from therapists.units import KM_PER_MILE

# --- the menu ---

# What 60 minutes of each type costs in a US practice, low to high, in whole dollars (unknown types: the default).
PRICE_BANDS_60 = {
    "swedish": (70, 120),
    "deep-tissue": (80, 135),
    "hot-stone": (90, 150),
    "thai": (75, 130),
    "sports": (80, 140),
    "prenatal": (75, 125),
}
DEFAULT_PRICE_BAND_60 = (70, 130)
# A session's price against the 60-minute one: longer sessions cost a little less per minute.
LENGTH_FACTORS = {30: 0.6, 45: 0.8, 60: 1.0, 75: 1.2, 90: 1.4, 120: 1.8}
# How often a type's menu has each length, in the order a menu is trimmed (the usual lengths kept first).
LENGTH_ODDS = {60: 0.9, 90: 0.7, 75: 0.1, 120: 0.05}
# Short sessions suit focused work; long ones suit Thai (floor work, stretches) and hot stone (the stones' warm-up).
SHORT_SESSION_TYPES = frozenset({"sports", "reflexology", "chair"})
SHORT_LENGTH_ODDS = {30: 0.35, 45: 0.4}
LONG_SESSION_TYPES = frozenset({"thai", "hot-stone"})
LONG_LENGTH_ODDS = 0.25
MIN_MENU_LINES, MAX_MENU_LINES = 2, 6
NO_MENU_SHARE = 0.10  # a profile still being filled in

# --- the week ---

# Shares of all profiles; hours are drawn only for those not "by appointment", so among them each is a bit higher.
BY_APPOINTMENT_SHARE = 0.10
WEEKEND_SHARE = 0.30
EVENING_SHARE = 0.35
LUNCH_BREAK_SHARE = 0.25
MON, TUE, WED, THU, FRI, SAT, SUN = (day.value for day in OpeningPeriod.Weekday)
WORKWEEKS = [
    ((MON, TUE, WED, THU, FRI), 70),
    ((MON, TUE, WED, THU), 12),
    ((TUE, WED, THU, FRI), 12),
    ((MON, WED, FRI), 6),
]
WEEKEND_WEEKS = [
    ((TUE, WED, THU, FRI, SAT), 40),
    ((MON, TUE, WED, THU, FRI, SAT), 25),
    ((WED, THU, FRI, SAT, SUN), 15),
    ((MON, TUE, WED, THU, FRI, SUN), 10),
    ((MON, TUE, WED, THU, FRI, SAT, SUN), 10),
]
# (opens, closes) on an ordinary weekday; none runs past EVENING_AFTER, which is what an evening is here.
EVENING_AFTER = datetime.time(19, 0)
DAYTIMES = [(("09:00", "18:00"), 45), (("10:00", "19:00"), 30), (("09:30", "17:30"), 15), (("08:30", "17:00"), 10)]
EVENING_CLOSES = ["19:30", "19:45", "20:00", "20:30", "21:00"]
EVENING_DAY_HOURS = 8  # a late day starts later rather than running twelve hours
SATURDAYS = [("09:00", "15:00"), ("10:00", "16:00"), ("10:00", "17:00")]
SUNDAYS = [("11:00", "17:00"), ("12:00", "17:00"), ("10:00", "15:00")]
LUNCH_STARTS = ["12:00", "12:30", "13:00"]
LUNCH_MINUTES = [30, 45, 60]

# --- where and how to pay ---

MOBILE_ONLY_SHARE = 0.5  # of those who travel to clients: no room of their own
HOME_BASED_SHARE = 0.25  # of those with a room: it is in their home, so only the area is shown
SHOW_STUDIO_ADDRESS_SHARE = 0.6
SUITE_SHARE = 0.5
# A travel radius a US therapist states in whole miles, stored in km (8 to 40 km).
TRAVEL_MILES = [5, 10, 15, 20, 25]
STREETS = [
    "Main St", "Oak Ave", "Maple St", "Pine St", "Cedar Ave", "Elm St", "Washington Ave", "Lake St", "Park Ave",
    "Hill St", "Broadway", "Market St", "Union St", "Highland Ave", "Grand Ave", "Center St", "Church St",
    "Spring St", "River Rd", "Mill St", "Lincoln Ave", "Jefferson St", "Franklin St", "Madison Ave", "Walnut St",
    "Chestnut St", "Sunset Blvd", "College Ave", "Bridge St", "Water St", "2nd St", "3rd Ave", "5th St", "14th St",
]  # fmt: skip
CARD_SHARE, CASH_SHARE, HSA_FSA_SHARE, GIFT_CARD_SHARE = 0.85, 0.6, 0.4, 0.35
# Itemised receipts for a health-savings claim: most who take HSA/FSA cards give them, a few others do too.
HSA_RECEIPT_SHARES = {True: 0.8, False: 0.1}
CANCELLATION_POLICY_SHARE = 0.85
CANCELLATION_POLICIES = [
    "24 hours' notice, or the full fee.",
    "Free cancellation up to 24 hours before; later cancellations pay half.",
    "Please give 48 hours' notice to cancel or move a session.",
    "Cancel up to 12 hours before at no charge; no-shows pay in full.",
    "Free to cancel or reschedule until the day before.",
    "Late cancellations (under 24 hours) are charged 50% of the session.",
    "No charge for cancelling with a day's notice; missed sessions are charged in full.",
]


@dataclass(frozen=True)
class MenuLine:
    """One planned service: a type of massage (by id), a length and its price."""

    specialty_id: int
    minutes: int
    price: int


@dataclass
class Practice:
    """A demo therapist's practicalities before insertion: the menu, the week, where and how to pay."""

    menu: list[MenuLine] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    by_appointment: bool = False
    mobile_only: bool = False
    street_address: str = ""
    show_address: bool = False
    travel_radius_km: int | None = None
    accepts_cash: bool = False
    accepts_card: bool = False
    accepts_hsa_fsa: bool = False
    gives_hsa_receipts: bool = False
    sells_gift_cards: bool = False
    cancellation_policy: str = ""

    THERAPIST_FIELDS = (
        "by_appointment",
        "street_address",
        "show_address",
        "travel_radius_km",
        "accepts_cash",
        "accepts_card",
        "accepts_hsa_fsa",
        "gives_hsa_receipts",
        "sells_gift_cards",
        "cancellation_policy",
    )

    def therapist_fields(self) -> dict:
        """The Therapist columns this practice fills, price_60 with them (the contract's `max_price` reads it)."""
        return {name: getattr(self, name) for name in self.THERAPIST_FIELDS} | {
            "price_60": self.standard_price,
            # What the search's filters read of the menu and the week, as services.offerings keeps them.
            "lists_prices": bool(self.menu),
            "open_weekends": opens_weekends(self.periods),
            "open_evenings": opens_evenings(self.periods),
        }

    @property
    def standard_price(self) -> int | None:
        """The cheapest 60-minute service, as services.offerings keeps price_60; None without one."""
        return min((line.price for line in self.menu if line.minutes == STANDARD_SESSION_MINUTES), default=None)

    @property
    def evening_closes(self) -> datetime.time | None:
        """The latest closing after EVENING_AFTER on any day, for the bio; None when no day runs into the evening."""
        late = [p.closes for p in self.periods if p.closes > EVENING_AFTER]
        return max(late, default=None)

    @property
    def open_weekends(self) -> bool:
        """Open on a Saturday or Sunday, for the bio."""
        return any(p.weekday in (SAT, SUN) for p in self.periods)


def _time(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


def _round_to_five(value: float) -> int:
    return max(MIN_SERVICE_PRICE, min(MAX_SERVICE_PRICE, 5 * round(value / 5)))


def _lengths(slug: str, rng: random.Random) -> list[int]:
    """The lengths one type is offered at, most usual first; never none."""
    odds = dict(LENGTH_ODDS)
    if slug in LONG_SESSION_TYPES:
        odds[120] = LONG_LENGTH_ODDS
    lengths = [minutes for minutes, chance in odds.items() if rng.random() < chance]
    if slug in SHORT_SESSION_TYPES:
        lengths += [minutes for minutes, chance in SHORT_LENGTH_ODDS.items() if rng.random() < chance]
    return lengths or [STANDARD_SESSION_MINUTES]


def _prices(slug: str, lengths: list[int], level: float, rng: random.Random) -> dict[int, int]:
    """Prices that rise with length from the type's 60-minute band, at the practice's own price level (0-1)."""
    low, high = PRICE_BANDS_60.get(slug, DEFAULT_PRICE_BAND_60)
    base = low + (high - low) * level + rng.uniform(-5, 5)
    prices, previous = {}, 0
    for minutes in sorted(lengths):
        price = _round_to_five(base * LENGTH_FACTORS[minutes] * rng.uniform(0.97, 1.03))
        prices[minutes] = previous = max(price, previous + 5)
    return prices


def plan_menu(specialties: list[tuple[int, str]], rng: random.Random) -> list[MenuLine]:
    """2-6 services of the therapist's own types (id, slug), at most one price per type and length; none for about
    one profile in ten."""
    if not specialties or rng.random() < NO_MENU_SHARE:
        return []
    level = rng.random()
    slugs = dict(specialties)
    offered = {pk: _lengths(slug, rng) for pk, slug in specialties}
    first = offered[specialties[0][0]]
    if sum(map(len, offered.values())) < MIN_MENU_LINES:
        first.append(90 if STANDARD_SESSION_MINUTES in first else STANDARD_SESSION_MINUTES)
    # Trimmed round-robin, so each type keeps its usual lengths before any type gets a rarer one.
    chosen: dict[int, list[int]] = {pk: [] for pk in offered}
    for rank in range(max(map(len, offered.values()))):
        for pk, lengths in offered.items():
            if rank < len(lengths) and sum(map(len, chosen.values())) < MAX_MENU_LINES:
                chosen[pk].append(lengths[rank])
    menu = []
    for pk, lengths in chosen.items():
        menu += [MenuLine(pk, minutes, price) for minutes, price in _prices(slugs[pk], lengths, level, rng).items()]
    return menu


def _day(weekday: int, opens: str, closes: str, lunch: tuple[str, int] | None) -> list[Period]:
    """One day's periods: two when the lunch break leaves at least two hours either side."""
    start, end = _time(opens), _time(closes)
    if lunch:
        break_starts = _time(lunch[0])
        break_ends = (
            datetime.datetime.combine(datetime.date.min, break_starts) + datetime.timedelta(minutes=lunch[1])
        ).time()
        if _hours_between(start, break_starts) >= 2 and _hours_between(break_ends, end) >= 2:
            return [Period(weekday, start, break_starts), Period(weekday, break_ends, end)]
    return [Period(weekday, start, end)]


def _hours_between(earlier: datetime.time, later: datetime.time) -> float:
    return (later.hour * 60 + later.minute - earlier.hour * 60 - earlier.minute) / 60


def _later_start(opens: str, closes: str) -> str:
    """A late day opens EVENING_DAY_HOURS before it closes, unless it already opens later than that."""
    close = _time(closes)
    start = datetime.time(close.hour - EVENING_DAY_HOURS, close.minute)
    return max(_time(opens), start).strftime("%H:%M")


def plan_week(rng: random.Random) -> tuple[list[Period], bool]:
    """The weekly opening periods (on the quarter hour, never overlapping) and whether the practice is "by
    appointment" only, in which case it lists no hours."""
    if rng.random() < BY_APPOINTMENT_SHARE:
        return [], True
    listed = 1 - BY_APPOINTMENT_SHARE
    weeks = WEEKEND_WEEKS if rng.random() * listed < WEEKEND_SHARE else WORKWEEKS
    days = rng.choices([days for days, _weight in weeks], weights=[weight for _days, weight in weeks])[0]
    opens, closes = rng.choices([hours for hours, _weight in DAYTIMES], weights=[w for _h, w in DAYTIMES])[0]
    weekdays = [day for day in days if day not in (SAT, SUN)]
    late_days: set[int] = set()
    late_close = rng.choice(EVENING_CLOSES)
    if rng.random() * listed < EVENING_SHARE and weekdays:
        late_days = set(
            weekdays if rng.random() < 0.2 else rng.sample(weekdays, k=rng.randint(1, min(3, len(weekdays))))
        )
    lunch = (rng.choice(LUNCH_STARTS), rng.choice(LUNCH_MINUTES)) if rng.random() * listed < LUNCH_BREAK_SHARE else None
    saturday, sunday = rng.choice(SATURDAYS), rng.choice(SUNDAYS)
    periods = []
    for day in days:
        if day == SAT:
            periods += _day(day, *saturday, lunch=None)
        elif day == SUN:
            periods += _day(day, *sunday, lunch=None)
        elif day in late_days:
            periods += _day(day, _later_start(opens, late_close), late_close, lunch)
        else:
            periods += _day(day, opens, closes, lunch)
    return periods, False


def _street_address(rng: random.Random, *, studio: bool) -> str:
    """ "1420 Oak Ave, Suite 210" for a studio (at times), "87 Elm St" for a home."""
    line = f"{rng.randint(10, 9899)} {rng.choice(STREETS)}"
    if studio and rng.random() < SUITE_SHARE:
        line += rng.choice(
            [f", Suite {rng.randint(1, 4)}{rng.randint(0, 3)}{rng.randint(0, 9)}", f", #{rng.randint(2, 40)}"]
        )
    return line


def _plan_place(practice: Practice, *, travels: bool, rng: random.Random) -> None:
    """A radius for those who travel, some of them with no room at all; a studio's or a home's street address for
    the rest, shown for most studios and never for a home."""
    if travels:
        practice.travel_radius_km = round(rng.choice(TRAVEL_MILES) * KM_PER_MILE)
        practice.mobile_only = rng.random() < MOBILE_ONLY_SHARE
    if practice.mobile_only:
        return
    home = rng.random() < HOME_BASED_SHARE
    practice.street_address = _street_address(rng, studio=not home)
    practice.show_address = not home and rng.random() < SHOW_STUDIO_ADDRESS_SHARE


def _plan_payment(practice: Practice, rng: random.Random) -> None:
    """How clients pay; everyone takes something (cash when not cards)."""
    practice.accepts_card = rng.random() < CARD_SHARE
    practice.accepts_cash = rng.random() < CASH_SHARE or not practice.accepts_card
    practice.accepts_hsa_fsa = rng.random() < HSA_FSA_SHARE
    practice.gives_hsa_receipts = rng.random() < HSA_RECEIPT_SHARES[practice.accepts_hsa_fsa]
    practice.sells_gift_cards = rng.random() < GIFT_CARD_SHARE
    if rng.random() < CANCELLATION_POLICY_SHARE:
        practice.cancellation_policy = rng.choice(CANCELLATION_POLICIES)


def plan_practice(*, specialties: list[tuple[int, str]], travels: bool, rng: random.Random) -> Practice:
    """A whole practice for a therapist with these types of massage (id, slug) who does or does not travel."""
    practice = Practice(menu=plan_menu(specialties, rng))
    practice.periods, practice.by_appointment = plan_week(rng)
    _plan_place(practice, travels=travels, rng=rng)
    _plan_payment(practice, rng)
    return practice
