"""The words of the demo: taglines, bios, phone numbers and review texts composed from each therapist's facts.

Everything is plain English built from what the therapist really offers (specialties, focus areas, years in
practice, city, travel, products), so no tagline names a specialty the therapist lacks, and review words agree
with their stars. Choices come from the caller's random generator: the same seed gives the same words.
"""

import datetime
import random
import re

from therapists.hours import clock

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
# The well-known cities the demo's therapists practise in, as the gazetteer spells them, with each city's own area
# code (its oldest, where an overlay added more). The demo picks its cities from these rows only: the gazetteer's
# biggest entries also hold boroughs ("Brooklyn", "The Bronx"), districts ("South Boston", "West Raleigh"),
# administrative twins ("Lexington-Fayette") and misplaced ones ("Meads, KY", "Tri-Cities, WA"), which no local
# would give as their city.
CITY_AREA_CODES = {
    ("New York City", "NY"): "212", ("Los Angeles", "CA"): "213", ("Chicago", "IL"): "312",
    ("Houston", "TX"): "713", ("Phoenix", "AZ"): "602", ("Philadelphia", "PA"): "215",
    ("San Antonio", "TX"): "210", ("San Diego", "CA"): "619", ("Dallas", "TX"): "214",
    ("Jacksonville", "FL"): "904", ("Fort Worth", "TX"): "817", ("San Jose", "CA"): "408",
    ("Austin", "TX"): "512", ("Columbus", "OH"): "614", ("Charlotte", "NC"): "704",
    ("Indianapolis", "IN"): "317", ("San Francisco", "CA"): "415", ("Seattle", "WA"): "206",
    ("Denver", "CO"): "303", ("Washington", "DC"): "202", ("Nashville", "TN"): "615",
    ("Oklahoma City", "OK"): "405", ("El Paso", "TX"): "915", ("Boston", "MA"): "617",
    ("Portland", "OR"): "503", ("Detroit", "MI"): "313", ("Las Vegas", "NV"): "702",
    ("Memphis", "TN"): "901", ("Louisville", "KY"): "502", ("Baltimore", "MD"): "410",
    ("Albuquerque", "NM"): "505", ("Milwaukee", "WI"): "414", ("Tucson", "AZ"): "520",
    ("Fresno", "CA"): "559", ("Sacramento", "CA"): "916", ("Atlanta", "GA"): "404",
    ("Miami", "FL"): "305", ("Omaha", "NE"): "402", ("Raleigh", "NC"): "919",
    ("Kansas City", "MO"): "816", ("Long Beach", "CA"): "562", ("Mesa", "AZ"): "480",
    ("Colorado Springs", "CO"): "719", ("Virginia Beach", "VA"): "757", ("Oakland", "CA"): "510",
    ("Tampa", "FL"): "813", ("Tulsa", "OK"): "918", ("Minneapolis", "MN"): "612",
    ("Wichita", "KS"): "316", ("Arlington", "TX"): "817", ("Bakersfield", "CA"): "661",
    ("Cleveland", "OH"): "216", ("New Orleans", "LA"): "504", ("Aurora", "CO"): "303",
    ("Honolulu", "HI"): "808", ("Anaheim", "CA"): "714", ("Orlando", "FL"): "407",
    ("Lexington", "KY"): "859", ("Riverside", "CA"): "951", ("Corpus Christi", "TX"): "361",
    ("Cincinnati", "OH"): "513", ("Santa Ana", "CA"): "714", ("Stockton", "CA"): "209",
    ("Pittsburgh", "PA"): "412", ("Saint Paul", "MN"): "651", ("Lincoln", "NE"): "402",
    ("Anchorage", "AK"): "907", ("Henderson", "NV"): "702", ("Greensboro", "NC"): "336",
    ("Plano", "TX"): "972", ("Newark", "NJ"): "973", ("Madison", "WI"): "608",
    ("St. Louis", "MO"): "314", ("Chula Vista", "CA"): "619", ("Toledo", "OH"): "419",
    ("Reno", "NV"): "775", ("Chandler", "AZ"): "480", ("Fort Wayne", "IN"): "260",
    ("Buffalo", "NY"): "716", ("Durham", "NC"): "919", ("St. Petersburg", "FL"): "727",
    ("Laredo", "TX"): "956", ("Lubbock", "TX"): "806", ("Winston-Salem", "NC"): "336",
    ("Glendale", "AZ"): "623", ("Norfolk", "VA"): "757", ("Scottsdale", "AZ"): "480",
    ("Boise", "ID"): "208", ("Spokane", "WA"): "509", ("Baton Rouge", "LA"): "225",
    ("Richmond", "VA"): "804", ("Des Moines", "IA"): "515", ("Birmingham", "AL"): "205",
    ("Salt Lake City", "UT"): "801", ("Little Rock", "AR"): "501", ("Providence", "RI"): "401",
    ("Knoxville", "TN"): "865", ("Tacoma", "WA"): "253", ("Grand Rapids", "MI"): "616",
    ("Rochester", "NY"): "585", ("Chattanooga", "TN"): "423", ("Fort Lauderdale", "FL"): "954",
    ("Jackson", "MS"): "601", ("Worcester", "MA"): "508", ("Hartford", "CT"): "860",
    ("Charleston", "SC"): "843", ("Savannah", "GA"): "912", ("Albany", "NY"): "518",
}  # fmt: skip


def phone_number(region: str, rng: random.Random, *, city: str = "") -> str:
    """A fictional number in the city's own area code, else the state's main one: "(412) 555-0147"."""
    code = CITY_AREA_CODES.get((city, region)) or AREA_CODES.get(region, DEFAULT_AREA_CODE)
    return f"({code}) 555-01{rng.randint(0, 99):02d}"


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


def when_sentence(*, by_appointment: bool, evening_closes: datetime.time | None, weekends: bool) -> str:
    """What the bio says about the hours, only what the listed week shows; empty when there is nothing special."""
    if by_appointment:
        return "I see clients by appointment only; call or text and we will find a time."
    if evening_closes and weekends:
        return f"I see clients some evenings until {clock(evening_closes)}, and at weekends too."
    if evening_closes:
        return f"Some evenings I work until {clock(evening_closes)}, for clients who cannot come in during the day."
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


# --- replies: the owner answers what the review says, in the tone of its stars ---

REPLY_OPENINGS = {
    "positive": [
        "Thank you for coming in, and for taking the time to write this.",
        "Thanks so much for the kind words.",
        "Thank you for this lovely review.",
        "Thank you for trusting me with your session.",
        "I really appreciate you writing this.",
        "Thanks for taking a moment to share this.",
    ],
    "mixed": [
        "Thank you for the honest review.",
        "Thanks for the balanced feedback.",
        "I appreciate you telling me what worked and what did not.",
        "Thank you for taking the time to write this.",
    ],
    "negative": [
        "I am sorry the session fell short.",
        "I am sorry this visit was not what you hoped for.",
        "Thank you for telling me, and I am sorry it went this way.",
        "I am sorry to read this.",
    ],
}
REPLY_CLOSINGS = {
    "positive": ["", "", "See you next time.", "Hope to see you again soon.", "Take care until then."],
    "mixed": ["", "", "I hope you will give me another try.", "Thank you again for the feedback."],
    "negative": ["", "", "I hope you will give me another chance.", "If you would like to talk it over, please call."],
}
# What a review is about, found by the words it uses, and what its owner says to that: (tone group, the words,
# the replies). "praise" answers reviews of 4 and 5 stars, "critical" those of 1 to 3. A reply names a topic only
# when its review uses one of the topic's words, so no reply thanks for looser shoulders under a review about a
# late start; a review with none of them gets a plain thank-you.
REPLY_TOPICS = [
    ("praise", ("shoulder",), [
        "Glad your shoulders feel looser; a few shoulder rolls at your desk keep them that way.",
        "It is good to hear your shoulders have eased.",
    ]),
    ("praise", ("lower back", "upper back"), [
        "Good to hear your back is easing; keep moving gently between sessions.",
        "I am glad your back feels better.",
    ]),
    ("praise", ("neck",), ["Glad your neck feels freer.", "It is good to hear your neck has loosened up."]),
    ("praise", ("sciatica",), [
        "I am glad the sciatica has settled; tell me next time how it has been since.",
        "Sciatica is stubborn, so I am very glad it eased.",
    ]),
    ("praise", ("posture", "desk-job"), [
        "Desk days are hard on the body; I am glad the session undid some of them.",
        "Posture work takes a few sessions, and you are well on the way.",
    ]),
    ("praise", ("pressure",), [
        "I am glad the pressure felt right; tell me any time you want it firmer or lighter.",
        "Getting the pressure right matters most to me, so this is good to hear.",
    ]),
    ("praise", ("stretch",), [
        "Keep up the stretches between visits; they make each session go further.",
        "I am glad the stretches made sense; they are worth the few minutes a day.",
    ]),
    ("praise", ("spotless",), [
        "Thank you for noticing the room: fresh linens for every client, always.",
        "A clean, warm room is the least you should expect, and I am glad it showed.",
    ]),
    ("praise", ("allergy",), [
        "Thank you for telling me about your allergy; the fragrance-free oil is always on hand.",
        "Always mention allergies, as you did: I keep fragrance-free oil for exactly that.",
    ]),
    ("praise", ("started on time",), [
        "Your hour is your hour, so I keep to the booked time.",
        "Thank you for noticing the punctual start; I keep gaps between clients for it.",
    ]),
    ("praise", ("parking", "easy to find"), [
        "Glad you found the studio easily.",
        "Good to hear the studio was easy to reach.",
    ]),
    ("praise", ("prices were clear",), [
        "Clear prices matter to me too: no surprises at the end of a session.",
        "I am glad the prices were clear before you booked.",
    ]),
    ("praise", ("slept",), [
        "A good night's sleep after a session is the best news.",
        "Glad you slept well afterwards.",
    ]),
    ("praise", ("friend recommended",), [
        "Please thank your friend for sending you my way.",
        "Word of mouth means a lot; thank your friend from me.",
    ]),
    ("praise", ("same week",), [
        "I am glad we found you a slot at short notice.",
        "Short-notice slots open up most weeks; I am glad one fitted.",
    ]),
    ("praise", ("remembered",), [
        "I keep notes after every visit, so we can pick up where we left off.",
        "Picking up from last time is what notes are for; see you at the next one.",
    ]),
    ("praise", ("drive",), ["Thank you for making the drive.", "Thank you for coming all that way."]),
    ("praise", ("earlier in the day",), [
        "Thanks for the tip about earlier slots; I now open two mornings a week.",
        "Earlier slots are coming; ask when you book next.",
    ]),
    ("praise", ("longer session",), [
        "A 90-minute session may suit you better next time.",
        "Next time, try the longer session: there is more time for the areas you want.",
    ]),
    ("praise", ("music",), [
        "Thanks for saying so about the music; I keep it lower now.",
        "Always tell me about the music; it should help you relax, not distract you.",
    ]),
    ("praise", ("rushed",), [
        "You are right about the hurried start; I now leave more time between clients.",
        "Sorry the start felt hurried; I give every session a calmer beginning now.",
    ]),
    ("critical", ("pressure",), [
        "I am sorry the pressure was not right for you; tell me during the massage and I will change it at once.",
        "Pressure should always be yours to choose; I now check in more often during the session.",
    ]),
    ("critical", ("late",), [
        "I am sorry we started late; I now leave a gap between clients so each session starts on time.",
        "A late start is not fair on you, and I have changed my booking so it does not happen again.",
    ]),
    ("critical", ("ignored", "listened", "listens", "little talk"), [
        "You should have been heard; I now start every session by going through what you want from it.",
        "I am sorry you did not feel listened to; we will talk through your needs before we start next time.",
    ]),
    ("critical", ("not as clean",), [
        "I am sorry the room was not as clean as it should be; I have changed how I prepare it between clients.",
        "Thank you for telling me about the room; it should always be spotless, and I have seen to it.",
    ]),
    ("critical", ("shorter", "lost twenty minutes"), [
        "You should get the full time you paid for; please call me and I will put it right.",
        "I am sorry the session was cut short; please get in touch so I can make it up to you.",
    ]),
    ("critical", ("worse the next day", "sore rather"), [
        "I am sorry you felt worse afterwards; some tenderness can follow deep work, but I should have warned you.",
        "Feeling worse after a session is something we should talk about first; I am sorry it caught you out.",
    ]),
    ("critical", ("nobody answered",), [
        "I am sorry nobody answered your call; I now return every call within a day.",
        "Missed calls are on me; I have set up a message line so none go unanswered.",
    ]),
    ("critical", ("routine", "script"), [
        "I am sorry the session felt routine; every client deserves a session built around them.",
        "That is fair, and I am working on tailoring each session more closely.",
    ]),
    ("critical", ("pricey", "for the price"), [
        "I understand the price felt high for what you got.",
        "Thank you for the note about the price; I want every session to feel worth it.",
    ]),
    ("critical", ("booking system",), [
        "You are right about the booking system; I have switched to a simpler one.",
        "Thanks for the note on booking; it is simpler now.",
    ]),
    ("critical", ("noisy",), [
        "I am sorry about the street noise; I now play soft sound to cover it.",
        "The street noise is a fair point; the back room is quieter and I use it now.",
    ]),
]  # fmt: skip


def _mentions(text: str, words: tuple[str, ...]) -> bool:
    return any(re.search(rf"\b{re.escape(word)}", text) for word in words)


def reply_topics(*, rating: int, review: str) -> list[list[str]]:
    """The reply sentences that fit a review: one list per topic its words raise, for its tone group."""
    group = "praise" if rating >= 4 else "critical"
    text = review.lower()
    return [replies for topic_group, words, replies in REPLY_TOPICS if topic_group == group and _mentions(text, words)]


def reply_text(*, rating: int, review: str, rng: random.Random) -> str:
    """An owner's reply to a review: a thank-you (or an apology) in the tone of its stars, an answer to one thing
    the review talks about when it raises any (REPLY_TOPICS), and at times a closing line."""
    tone = tone_of(rating)
    sentences = [rng.choice(REPLY_OPENINGS[tone])]
    topics = reply_topics(rating=rating, review=review)
    if topics:
        sentences.append(rng.choice(rng.choice(topics)))
    sentences.append(rng.choice(REPLY_CLOSINGS[tone]))
    return " ".join(sentence for sentence in sentences if sentence)
