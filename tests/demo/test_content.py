"""Believable demo content (issue 12, point 12): words composed from each therapist's facts, phones in the
fictional 555-01xx range, review words that agree with their stars and vary across profiles, same seed ->
same words."""

import datetime
import random
import re
from collections import Counter

import pytest
from django.core.management import call_command

from demo import content
from demo.therapists import SAME_TOWN_KM, distance_km
from reviews.models import Review, ReviewResponse
from therapists.hours import END_OF_DAY, WEEKEND
from therapists.models import Specialty, Therapist

pytestmark = pytest.mark.django_db

PHONE = re.compile(r"^\(([2-9]\d\d)\) 555-01\d\d$")
# What filler text (Faker's lorem and word lists) looked like on the old demo profiles.
FILLER = re.compile(r"\b(lorem|ipsum|election|whole|someone|effect role)\b", re.I)


@pytest.fixture
def seeded(small_gazetteer, today):
    call_command("seed_demo", "--therapists", "200", "--seed", "4", "--photos", "0", "--no-logins")
    return list(Therapist.objects.prefetch_related("specialties", "focus_areas", "opening_periods").order_by("pk"))


def _sentence_patterns(sentences: list[str]) -> list[re.Pattern]:
    """Each template sentence as a pattern: its placeholders match any words."""
    patterns = []
    for sentence in sentences:
        escaped = re.escape(sentence)
        for slot in ("massage", "area", "name", "length"):
            escaped = escaped.replace(re.escape("{" + slot + "}"), ".+?")
        patterns.append(re.compile(escaped, re.I))
    return patterns


def _tone_patterns(parts: dict | list) -> list[re.Pattern]:
    return _sentence_patterns([s for group in parts.values() for s in group] if isinstance(parts, dict) else parts)


POSITIVE = _tone_patterns(content.POSITIVE)
MIXED = _tone_patterns(content.MIXED)
NEGATIVE = _tone_patterns(content.NEGATIVE)
MINOR = _tone_patterns(content.MINOR)


def _uses(body: str, patterns: list[re.Pattern]) -> bool:
    return any(pattern.search(body) for pattern in patterns)


def test_taglines_and_bios_name_only_the_therapists_own_specialties(seeded):
    all_names = {s.name.casefold() for s in Specialty.objects.all()}
    for therapist in seeded:
        own = {s.name.casefold() for s in therapist.specialties.all()}
        headline, bio = therapist.headline.casefold(), therapist.bio.casefold()
        assert any(name in headline for name in own), therapist.headline
        for name in all_names - own:
            assert name not in headline, (therapist.headline, own)
            assert name not in bio, (therapist.bio, own)
        # Every one of their specialties is said in the bio.
        assert all(name in bio for name in own), (therapist.bio, own)


def test_bios_are_plain_english_from_the_therapists_facts(seeded):
    for therapist in seeded:
        assert not FILLER.search(therapist.bio), therapist.bio
        assert therapist.city in therapist.bio
        years = therapist.years_experience
        if years:
            assert ("one year" if years == 1 else f"{years} years") in therapist.bio
        else:
            assert "newly licensed" in therapist.bio or "this year" in therapist.bio
        assert ("come to your home" in therapist.bio) is therapist.travels_to_client
        # "No studio" only for a mobile therapist without an address of their own.
        assert "I have no studio" not in therapist.bio or (therapist.travels_to_client and not therapist.street_address)
        assert ("hypoallergenic" in therapist.bio) is therapist.hypoallergenic_products
        for area in therapist.focus_areas.all():
            assert content.FOCUS_PHRASES[area.slug] in therapist.bio
    # Varied: no two profiles share a bio.
    bios = Counter(t.bio for t in seeded)
    assert bios.most_common(1)[0][1] == 1


def test_bios_say_only_the_hours_the_profile_lists(seeded):
    said = Counter()
    for therapist in seeded:
        week = list(therapist.opening_periods.all())
        latest = max((p.closes for p in week), default=None)
        weekends = any(p.weekday in WEEKEND for p in week)
        assert ("by appointment only" in therapist.bio) is therapist.by_appointment, therapist.bio
        evenings = re.search(r"evenings[^.]*? until (\d+)(?::(\d\d))? pm", therapist.bio)
        if evenings:
            hour, minute = int(evenings.group(1)) + 12, int(evenings.group(2) or 0)
            assert latest == datetime.time(hour, minute), (therapist.bio, week)
        else:
            assert latest is None or latest <= datetime.time(19, 0), (therapist.bio, week)
        assert ("weekends" in therapist.bio) is weekends, (therapist.bio, week)
        said.update(by_appointment=therapist.by_appointment, evenings=bool(evenings), weekends=weekends)
    assert all(said[fact] for fact in ("by_appointment", "evenings", "weekends"))


def test_when_sentence_speaks_of_the_clock_as_people_do():
    assert "until 8 pm" in content.when_sentence(by_appointment=False, evening_closes=datetime.time(20), weekends=False)
    assert "until 7:30 pm" in content.when_sentence(
        by_appointment=False, evening_closes=datetime.time(19, 30), weekends=True
    )
    assert content.when_sentence(by_appointment=False, evening_closes=None, weekends=False) == ""


def test_when_sentence_says_the_time_as_the_profile_shows_it(settings):
    # One formatter (therapists.hours.clock): the bio's "until ..." matches the profile's hours on any site.
    settings.SITE_COUNTRY = "US"
    assert "until midnight" in content.when_sentence(by_appointment=False, evening_closes=END_OF_DAY, weekends=False)
    assert "until 9 pm" in content.when_sentence(by_appointment=False, evening_closes=datetime.time(21), weekends=True)
    settings.SITE_COUNTRY = "FR"
    assert "until 21:00" in content.when_sentence(
        by_appointment=False, evening_closes=datetime.time(21), weekends=False
    )
    assert "until 19:30" in content.when_sentence(
        by_appointment=False, evening_closes=datetime.time(19, 30), weekends=True
    )


def test_phones_are_fictional_555_01xx_numbers_in_the_city_s_own_area_code(seeded):
    for therapist in seeded:
        match = PHONE.match(therapist.phone)
        assert match, therapist.phone
        assert match.group(1) == content.CITY_AREA_CODES[(therapist.city, therapist.region)]


@pytest.mark.parametrize(
    ("city", "region", "code"),
    [("Pittsburgh", "PA", "412"), ("Philadelphia", "PA", "215"), ("Tampa", "FL", "813"), ("San Jose", "CA", "408"),
     ("Bakersfield", "CA", "661"), ("New York City", "NY", "212"), ("Buffalo", "NY", "716")],
)  # fmt: skip
def test_phone_number_takes_the_city_s_area_code_not_the_state_s(city, region, code):
    assert content.phone_number(region, random.Random(1), city=city).startswith(f"({code}) 555-01")


def test_phone_number_falls_back_to_the_state_s_code_for_a_city_outside_the_table():
    assert content.phone_number("PA", random.Random(1), city="Scranton").startswith("(215) 555-01")
    assert content.phone_number("ZZ", random.Random(1), city="Nowhere").startswith(f"({content.DEFAULT_AREA_CODE}) ")


def test_city_area_codes_are_real_geographic_codes():
    # N11 codes are service numbers and 555 is not geographic: neither belongs to a city.
    codes = set(content.CITY_AREA_CODES.values())
    assert all(re.fullmatch(r"[2-9]\d\d", code) and code[1:] != "11" and code != "555" for code in codes)


def test_review_words_agree_with_their_stars(seeded):
    reviews = list(Review.objects.values_list("rating", "body", "title"))
    assert {rating for rating, _body, _title in reviews} == {1, 2, 3, 4, 5}
    for rating, body, title in reviews:
        assert title in content.REVIEW_TITLES[rating]
        if rating <= 2:
            assert _uses(body, NEGATIVE) and not _uses(body, POSITIVE + MIXED + MINOR), body
        elif rating == 3:
            assert _uses(body, MIXED) and not _uses(body, POSITIVE + NEGATIVE), body
        else:
            assert _uses(body, POSITIVE) and not _uses(body, NEGATIVE + MIXED), body
            assert rating == 4 or not _uses(body, MINOR), body


def test_review_texts_talk_about_the_massage_reviewed():
    def text(rating, seed):
        return content.review_text(
            rating=rating, massage="Thai", focus=[("sciatica", "Sciatica")], name="Rosa", rng=random.Random(seed)
        )

    assert text(5, 1)[0] in content.REVIEW_TITLES[5]
    texts = {text(5, seed)[1] for seed in range(200)}
    assert any("Thai massage" in text for text in texts)
    assert any("sciatica" in text for text in texts)
    assert any("Rosa" in text for text in texts)
    assert not any("thai massage" in text for text in texts)  # a proper name keeps its capital
    assert all("{" not in part for rating in range(1, 6) for seed in range(50) for part in text(rating, seed))


def test_review_texts_vary_across_profiles(seeded):
    profiles_by_body: dict[str, set[int]] = {}
    for therapist_id, body in Review.objects.values_list("therapist_id", "body"):
        profiles_by_body.setdefault(body, set()).add(therapist_id)
    total = Review.objects.count()
    assert total == 1600
    # Bounded repetition: no text on more than two profiles, and nine in ten texts written once.
    assert max(len(profiles) for profiles in profiles_by_body.values()) <= 2
    assert len(profiles_by_body) >= 0.9 * total


def test_the_same_seed_gives_the_same_words(small_gazetteer, today):
    def words():
        reviews = [
            (review.therapist.slug, review.title, review.body, review.author.public_name, review.response.body)
            if hasattr(review, "response")
            else (review.therapist.slug, review.title, review.body, review.author.public_name, "")
            for review in Review.objects.select_related("therapist", "author", "response")
        ]
        return list(Therapist.objects.order_by("slug").values_list("headline", "bio", "phone", "city")), sorted(reviews)

    call_command("seed_demo", "--therapists", "25", "--seed", "9", "--photos", "0", "--no-logins")
    first = words()
    assert any(reply for *_review, reply in first[1])  # the replies are compared too
    Therapist.objects.all().delete()
    call_command("seed_demo", "--therapists", "25", "--seed", "9", "--photos", "0", "--no-logins")
    assert words() == first
    Therapist.objects.all().delete()
    call_command("seed_demo", "--therapists", "25", "--seed", "10", "--photos", "0", "--no-logins")
    assert words() != first


@pytest.mark.parametrize("region", ["CO", "NY", "ZZ", ""])
def test_phone_number_is_always_in_the_fictional_range(region):
    numbers = {content.phone_number(region, random.Random(seed)) for seed in range(300)}
    assert all(PHONE.match(number) for number in numbers)
    assert len(numbers) > 50


# --- replies (issue 12): only owners reply, and a reply answers what its review says ---

# What the audit found replies talking about without their review doing so: a reply that uses the left words must
# answer a review that uses the right ones.
ON_TOPIC = [
    (r"shoulder", r"shoulder"),
    (r"pressure", r"pressure"),
    (r"\blate\b|on time", r"\blate\b|on time"),
    (r"pric", r"pric"),
    (r"allerg", r"allerg"),
    (r"stretch", r"stretch"),
    (r"spotless|\bclean", r"spotless|\bclean"),
]


def _replies_on_topic(reply: str, review: str) -> None:
    for said, asked in ON_TOPIC:
        if re.search(said, reply, re.I):
            assert re.search(asked, review, re.I), (reply, review)
    for group, words, sentences in content.REPLY_TOPICS:
        if any(sentence in reply for sentence in sentences):
            assert any(word in review.lower() for word in words), (group, reply, review)


def test_reply_text_answers_only_what_its_review_raises():
    topical = 0
    for rating in range(1, 6):
        for seed in range(120):
            rng = random.Random(seed)
            focus = [("shoulder-neck-tightness", "Shoulder and neck tightness")] if seed % 2 else []
            _title, review = content.review_text(rating=rating, massage="Swedish", focus=focus, name="Ana", rng=rng)
            reply = content.reply_text(rating=rating, review=review, rng=rng)
            _replies_on_topic(reply, review)
            topical += any(s in reply for _group, _words, sentences in content.REPLY_TOPICS for s in sentences)
    assert topical > 400  # most reviews raise something a reply can answer


def test_reply_text_answers_praise_and_complaints_in_their_own_tone():
    rng = random.Random(3)
    late = content.reply_text(rating=2, review="The session started late and ended on time.", rng=rng)
    assert late.split(". ")[0] + "." in content.REPLY_OPENINGS["negative"]
    assert "started late" in late or "late start" in late.lower()
    praised = content.reply_text(rating=5, review="Booking was easy and the session started on time.", rng=rng)
    assert praised.split(". ")[0] + "." in content.REPLY_OPENINGS["positive"]
    assert "sorry" not in praised.lower()


def test_reply_text_to_a_review_raising_nothing_is_a_plain_thank_you():
    plain = {*content.REPLY_OPENINGS["positive"], *content.REPLY_CLOSINGS["positive"]}
    for seed in range(30):
        reply = content.reply_text(rating=5, review="Lovely visit, thank you.", rng=random.Random(seed))
        assert set(re.split(r"(?<=[.!]) ", reply)) <= plain, reply


def test_seed_demo_replies_only_on_owned_profiles_by_their_owner(seeded):
    replies = list(ReviewResponse.objects.select_related("review__therapist"))
    assert len(replies) > 50
    assert all(reply.review.therapist.owner_id for reply in replies)
    assert all(reply.author_id == reply.review.therapist.owner_id for reply in replies)
    assert all(reply.created_at >= reply.review.created_at for reply in replies)
    # Some profiles have joined, most have not: the page "has not joined the directory yet" still shows.
    owned = sum(bool(t.owner_id) for t in seeded)
    assert 0.2 < _share(owned, len(seeded)) < 0.5


def test_seed_demo_replies_answer_their_reviews_and_vary(seeded):
    pairs = list(ReviewResponse.objects.values_list("body", "review__body"))
    for reply, review in pairs:
        _replies_on_topic(reply, review)
    texts = Counter(reply for reply, _review in pairs)
    assert texts.most_common(1)[0][1] <= max(3, 0.03 * len(pairs)), texts.most_common(3)
    assert len(texts) > 0.7 * len(pairs)


def test_seed_demo_reviewers_have_a_first_name_and_an_initial(seeded):
    authors = {review.author for review in Review.objects.select_related("author")}
    names = [author.public_name for author in authors]
    assert all(re.fullmatch(r"[A-Z][a-z]+ [A-Z]\.", name) for name in names), Counter(names).most_common(3)
    # Varied: hardly two clients share a name.
    assert len(set(names)) > 0.9 * len(names)


# Gazetteer rows no local would give as their city: districts, boroughs, administrative twins.
ARTEFACT = re.compile(
    r"^(West|East|North|South|New South) |-Fayette$|^City of |^(Manhattan|Brooklyn|Queens|The Bronx)$"
)


def test_seed_demo_cities_are_well_known_with_one_name_per_town(seeded):
    places = {t.place for t in Therapist.objects.select_related("place")}
    assert len(places) > 40
    for place in places:
        assert (place.name, place.region) in content.CITY_AREA_CODES, place.label
        assert not ARTEFACT.search(place.name), place.label
        for other in places:
            assert other == place or distance_km(place, other) >= SAME_TOWN_KM, (place.label, other.label)


def _share(count: int, total: int) -> float:
    return count / total
