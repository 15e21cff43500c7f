"""The words of the demo: taglines, bios, phone numbers and review texts composed from each therapist's facts.

Everything is plain English built from what the therapist really offers (specialties, focus areas, years in
practice, city, travel, products), so no tagline names a specialty the therapist lacks, and review words agree
with their stars. Choices come from the caller's random generator: the same seed gives the same words.
"""

import datetime
import random

# --- phone numbers: 555-0100 to 555-0199 are set aside for fiction in every North American area code ---

AREA_CODES = {
    "AK": "907", "AL": "205", "AR": "501", "AZ": "602", "CA": "213", "CO": "303", "CT": "203", "DC": "202",
    "DE": "302", "FL": "305", "GA": "404", "HI": "808", "IA": "515", "ID": "208", "IL": "312", "IN": "317",
    "KS": "316", "KY": "502", "LA": "504", "MA": "617", "MD": "410", "ME": "207", "MI": "313", "MN": "612",
    "MO": "314", "MS": "601", "MT": "406", "NC": "704", "ND": "701", "NE": "402", "NH": "603", "NJ": "201",
    "NM": "505", "NV": "702", "NY": "212", "OH": "614", "OK": "405", "OR": "503", "PA": "215", "RI": "401",
    "SC": "803", "SD": "605", "TN": "615", "TX": "713", "UT": "801", "VA": "804", "VT": "802", "WA": "206",
    "WI": "414", "WV": "304", "WY": "307",
}  # fmt: skip
DEFAULT_AREA_CODE = "303"


def phone_number(region: str, rng: random.Random) -> str:
    """A fictional number in the state's main area code: "(303) 555-0147"."""
    return f"({AREA_CODES.get(region, DEFAULT_AREA_CODE)}) 555-01{rng.randint(0, 99):02d}"


# --- what each specialty and focus area is, in a client's words (by slug; unknown ones by their name) ---

SPECIALTY_PHRASES = {
    "swedish": [
        "Swedish massage for a first visit or a slow hour off your feet",
        "Swedish massage: long, flowing strokes at a pressure you choose",
    ],
    "deep-tissue": [
        "deep tissue work, slow and firm, for knots that keep coming back",
        "deep tissue massage for chronic tension, always within what feels right",
    ],
    "hot-stone": [
        "hot stone massage, with warm basalt stones to loosen tight muscles",
        "hot stone sessions for clients who like warmth and a gentler touch",
    ],
    "thai": [
        "Thai massage on a floor mat, fully clothed, with assisted stretches",
        "Thai massage: stretching and rhythmic pressure to free up stiff hips and shoulders",
    ],
    "sports": [
        "sports massage before a race and for recovery after it",
        "sports massage for runners, climbers and weekend players with sore legs",
    ],
    "prenatal": [
        "prenatal massage from the second trimester, lying on your side with plenty of pillows",
        "prenatal massage with positions and pressure that are safe in pregnancy",
    ],
}
TAGLINES = {
    "swedish": ["Relaxing Swedish massage in {city}", "Unhurried Swedish massage, your pressure, your pace"],
    "deep-tissue": ["Deep tissue work for stubborn knots", "Deep tissue massage for tension that keeps returning"],
    "hot-stone": ["Warm, soothing hot stone massage", "Hot stone massage in a calm {city} studio"],
    "thai": ["Traditional Thai massage and assisted stretching", "Thai massage for stiff hips and shoulders"],
    "sports": ["Sports massage for training and recovery", "Sports massage for {city}'s runners and lifters"],
    "prenatal": ["Gentle, safe prenatal massage", "Prenatal massage for every stage of pregnancy"],
}
GENERIC_TAGLINES = ["{specialty} massage in {city}", "{specialty} massage with clear communication"]
FOCUS_PHRASES = {
    "upper-back-tension": "tension between the shoulder blades",
    "lower-back-pain": "lower back pain",
    "sciatica": "sciatica",
    "shoulder-neck-tightness": "a stiff neck and shoulders",
    "posture-correction": "posture that desk work has pulled out of line",
}
FOCUS_TAGLINES = ["{specialty} massage for {focus}", "{specialty} massage for {focus} in {city}"]


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _specialty_phrase(slug: str, name: str, rng: random.Random) -> str:
    return rng.choice(SPECIALTY_PHRASES.get(slug) or [f"{name} massage"])


def _focus_phrase(slug: str, name: str) -> str:
    return FOCUS_PHRASES.get(slug) or name.lower()


def tagline(*, specialties: list[tuple[str, str]], focus: list[tuple[str, str]], city: str, rng: random.Random) -> str:
    """A headline about the therapist's first specialty (slug, name), at times with a focus area."""
    slug, name = specialties[0]
    if focus and rng.random() < 0.35:
        focus_slug, focus_name = rng.choice(focus)
        template = rng.choice(FOCUS_TAGLINES)
        text = template.format(specialty=name, focus=_focus_phrase(focus_slug, focus_name), city=city)
    else:
        text = rng.choice(TAGLINES.get(slug) or GENERIC_TAGLINES).format(specialty=name, city=city)
    return text[0].upper() + text[1:]


def _experience(years: int, city: str, rng: random.Random) -> str:
    if years == 0:
        return rng.choice(
            [
                f"I am a newly licensed massage therapist in {city}, and I take time to get each session right.",
                f"I finished my massage training this year and now see clients in {city}.",
            ]
        )
    span = "one year" if years == 1 else f"{years} years"
    return rng.choice(
        [
            f"I have been a licensed massage therapist in {city} for {span}.",
            f"I have practised massage for {span}, most of it here in {city}.",
            f"After {span} of massage practice in {city}, I still start every session by asking what you need today.",
        ]
    )


CLOSINGS = [
    "Tell me about any injuries, allergies or medical conditions before we start, and I will adapt the session.",
    "I check in about pressure throughout, and you can stop or change anything at any time.",
    "New clients are welcome to call with questions before booking.",
    "Wear something comfortable; we spend the first few minutes talking about what you want from the session.",
]
PRENATAL_CLOSING = (
    "If you are pregnant, tell me how far along you are; I will ask about any advice from your midwife or doctor."
)


def _clock(moment: datetime.time) -> str:
    """ "8 pm", "7:30 pm": how a bio says a closing time."""
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes} {'am' if moment.hour < 12 else 'pm'}"


def when_sentence(*, by_appointment: bool, evening_closes: datetime.time | None, weekends: bool) -> str:
    """What the bio says about the hours, only what the listed week shows; empty when there is nothing special."""
    if by_appointment:
        return "I see clients by appointment only; call or text and we will find a time."
    if evening_closes and weekends:
        return f"I see clients some evenings until {_clock(evening_closes)}, and at weekends too."
    if evening_closes:
        return f"Some evenings I work until {_clock(evening_closes)}, for clients who cannot come in during the day."
    if weekends:
        return "I work weekends too, for clients who cannot come in during the week."
    return ""


def bio(
    *,
    specialties: list[tuple[str, str]],
    focus: list[tuple[str, str]],
    years: int,
    city: str,
    travels: bool,
    hypoallergenic: bool,
    rng: random.Random,
    mobile_only: bool = False,
    when: str = "",
) -> str:
    """A first-person bio: experience, what they offer, who comes to them, practicalities, a closing note.
    `when` is the hours sentence (when_sentence), composed from the week the profile lists."""
    sentences = [_experience(years, city, rng)]
    offers = [_specialty_phrase(slug, name, rng) for slug, name in specialties]
    sentences.append(rng.choice(["I offer ", "My sessions include "]) + _join(offers) + ".")
    if focus:
        areas = _join([_focus_phrase(slug, name) for slug, name in focus])
        sentences.append(
            rng.choice(
                [
                    f"Many of my clients come to me with {areas}.",
                    f"I see a lot of people with {areas}, and we work on it over a few sessions.",
                    f"Much of my work is with {areas}.",
                ]
            )
        )
    if travels:
        sentences.append(
            f"I have no studio: I come to your home anywhere in and around {city}, table and linens included."
            if mobile_only
            else f"I also come to your home anywhere in and around {city}, table and linens included."
        )
    if when:
        sentences.append(when)
    if hypoallergenic:
        sentences.append("Fragrance-free, hypoallergenic oils are always on hand.")
    prenatal = any(slug == "prenatal" for slug, _name in specialties)
    sentences.append(PRENATAL_CLOSING if prenatal else rng.choice(CLOSINGS))
    return " ".join(sentences)


# --- review texts: sentences by tone, the tone by the stars ---

REVIEW_TITLES = {
    5: ["Exactly what my back needed", "Best massage I have had in years", "Listened and delivered",
        "Truly professional", "Worth every penny", "I left feeling ten years younger", "Found my regular therapist"],
    4: ["Very good session", "Helped my shoulders a lot", "Would go again", "Good technique, calm space",
        "Solid, careful massage", "Nearly perfect"],
    3: ["Fine, but not for me", "Decent massage", "Mixed experience", "Good in parts", "Okay overall"],
    2: ["Not what I asked for", "Too much pressure", "Expected more", "Rushed session"],
    1: ["Disappointing", "Would not return", "Not a good experience", "Did not listen"],
}  # fmt: skip
# A review's body: an opening, a detail about the massage, an aside and a closing, each from its tone's lists.
POSITIVE = {
    "opening": [
        "I booked a {massage} massage after weeks of trouble with my {area}.",
        "I came in because of my {area} and left moving far more easily.",
        "My first {massage} massage with {name} will not be my last.",
        "I have tried a few therapists in town and this was the best {massage} massage so far.",
        "A friend recommended this practice for my {area}, and she was right.",
        "I went to {name} tense after a long month and came out calm.",
        "Booked on short notice for my {area}, and {name} saw me the same week.",
    ],
    "detail": [
        "They asked about my {area} first and checked the pressure throughout.",
        "The pressure was firm where I needed it and gentle everywhere else.",
        "{name} explained every stretch before we did it.",
        "{name} found the knot behind my shoulder blade within minutes.",
        "The pace was unhurried and the {length} session went by quickly.",
        "They adjusted the table and pillows until I was properly comfortable.",
        "They remembered what we worked on last time and picked up from there.",
    ],
    "aside": [
        "The room was spotless, with fresh linens and a warm table.",
        "They used fragrance-free oil when I mentioned my allergy.",
        "Booking was easy and the session started on time.",
        "I got a couple of simple stretches to do at home.",
        "The studio was quiet and easy to find, with parking nearby.",
        "Prices were clear before I booked, with no surprises.",
    ],
    "closing": [
        "My {area} eased for days afterwards.",
        "I slept better that night than I had in weeks.",
        "I have already booked my next visit with {name}.",
        "Highly recommend {name}.",
        "I would send any friend to {name}.",
        "Worth the drive across town.",
    ],
}
MINOR = [
    "My only wish is that {name} had a slot earlier in the day.",
    "My only wish is a slightly longer session for the price.",
    "Parking took a few minutes to find.",
    "The music was a little loud for my taste, but they turned it down when I asked.",
    "The first ten minutes felt a bit rushed, then it settled down.",
]
MIXED = {
    "opening": [
        "I booked a {massage} massage for my {area}; it was a mixed visit.",
        "The {massage} massage itself was fine, the rest less so.",
        "Some of my {length} session with {name} helped and some of it did not.",
        "An average {length} visit overall.",
    ],
    "detail": [
        "The pressure was right on my back but too light on my shoulders.",
        "Technique seemed solid, though there was little talk about what I wanted.",
        "My {area} felt a little better for a day or two.",
        "The room was clean, but the session started fifteen minutes late.",
        "Parts of the massage were good and parts felt routine, as if {name} was tired.",
    ],
    "aside": [
        "It was a bit pricey for what it was.",
        "The booking system was confusing.",
        "The studio was noisy from the street.",
        "It felt like following a script rather than treating me.",
    ],
    "closing": [
        "I might try again, but I will look around first.",
        "Not bad, not memorable, for a {length} session.",
        "It could suit someone with different needs.",
        "Fine for a one-off.",
    ],
}
NEGATIVE = {
    "opening": [
        "I booked a {massage} massage for my {area} and came away disappointed.",
        "My {length} visit with {name} did not go well.",
        "I had high hopes after the reviews, but this session fell short.",
        "I cannot recommend this {massage} massage.",
    ],
    "detail": [
        "The pressure was too strong even after I asked twice to ease off.",
        "The session started late and still ended on time, so I lost twenty minutes.",
        "I mentioned my {area} and it was ignored.",
        "The room was not as clean as I expected.",
        "I did not feel listened to about my old injury.",
        "It was much shorter than the hour I paid for.",
    ],
    "aside": [
        "My {area} was worse the next day.",
        "Nobody answered when I called afterwards.",
        "Being charged a late fee when they were the ones running late stung.",
        "I left sore rather than relaxed.",
    ],
    "closing": [
        "I will not be going back to {name}.",
        "I am still looking for a therapist who listens.",
        "I would look elsewhere.",
        "Disappointing for the price.",
    ],
}
TONES = {"positive": POSITIVE, "mixed": MIXED, "negative": NEGATIVE}
# What a review says is wrong, after "my": the therapist's focus area, or one of these without one.
DEFAULT_AREAS = ["sore lower back", "tight shoulders", "stiff neck", "desk-job tension"]
REVIEW_AREAS = {
    "upper-back-tension": "upper back tension",
    "lower-back-pain": "lower back pain",
    "sciatica": "sciatica",
    "shoulder-neck-tightness": "stiff neck and shoulders",
    "posture-correction": "posture",
}


def tone_of(rating: int) -> str:
    """The words that agree with the stars: 4 and 5 praise, 3 is mixed, 1 and 2 complain."""
    return "positive" if rating >= 4 else ("mixed" if rating == 3 else "negative")


SESSION_LENGTHS = ["one-hour", "60-minute", "90-minute", "hour-long", "two-hour"]


def review_text(
    *, rating: int, massage: str, focus: list[tuple[str, str]], name: str, rng: random.Random
) -> tuple[str, str]:
    """A review's title and body, in words that agree with its rating, about its massage type, a focus area
    and the therapist (by first name)."""
    if focus:
        focus_slug, focus_name = rng.choice(focus)
        area = REVIEW_AREAS.get(focus_slug) or focus_name.lower()
    else:
        area = rng.choice(DEFAULT_AREAS)
    parts = TONES[tone_of(rating)]
    sentences = [rng.choice(parts["opening"]), rng.choice(parts["detail"])]
    if rng.random() < 0.6:
        sentences.append(rng.choice(parts["aside"]))
    if rating == 4 and rng.random() < 0.4:
        sentences.append(rng.choice(MINOR))
    sentences.append(rng.choice(parts["closing"]))
    length = rng.choice(SESSION_LENGTHS)
    body = " ".join(
        sentence.format(massage=massage.lower(), area=area, name=name, length=length) for sentence in sentences
    )
    # "Swedish" and "Thai" keep their capital inside a sentence.
    for proper in ("swedish", "thai"):
        body = body.replace(f"{proper} massage", f"{proper.capitalize()} massage")
    return rng.choice(REVIEW_TITLES[rating]), body[0].upper() + body[1:]
