"""The guided match: the form of a person's answers, and THE table that turns each answer into search filters, the
reason in the article's words, its safety note and whether massage may be unsafe until a professional says so.

The answers are health information. They live only in the POST that carries them and the page that answers it:
the only thing that leaves this module is `Outcome.params`, search filters by their public names (a prenatal
specialty, allergy-friendly products), never an answer itself ("pregnant", "fracture", where the injury is).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import urlencode

from django import forms
from django.urls import reverse

from . import vocabulary
from .models import Therapist

# --- the answers ---


GOALS = [
    ("relaxation", "Relaxation"),
    ("pain", "Pain relief"),
    ("sport", "Recovery from sport"),
    ("flexibility", "Flexibility"),
    ("posture", "Better posture"),
]
TRIMESTERS = [("first", "First trimester"), ("second", "Second trimester"), ("third", "Third trimester")]
CONDITIONS = [
    ("fracture", "Fracture"),
    ("infection", "Infection"),
    ("tumour", "Tumour"),
    ("blood-clot", "Blood clot"),
    ("herniated-disc", "Herniated disc"),
    ("arthritis", "Arthritis"),
    ("scoliosis", "Scoliosis"),
    ("other", "Another medical condition"),
]
SYMPTOMS = [
    ("numbness", "Numbness or tingling"),
    ("severe-pain", "Severe or persistent pain"),
    ("difficulty-moving", "Difficulty moving or doing daily tasks"),
]
PRESSURES = [("", "No preference"), ("light", "Light"), ("medium", "Medium"), ("firm", "Firm")]
TEXT_MAX_LENGTH = 100
MAX_PRICE = 100_000


# --- the article's safety notes, in its words ---


@dataclass(frozen=True)
class Note:
    """A safety note: the article's heading and its words."""

    title: str
    text: str


MEDICAL = Note(
    "Medical conditions",
    "Certain medical conditions, such as fractures, infections, or tumors, may require specific precautions or "
    "contraindicate massage altogether. It is essential to consult with a healthcare professional or a qualified "
    "massage therapist to ensure that a back massage is safe for you.",
)
INJURY = Note(
    "Injuries or wounds",
    "Applying pressure or manipulation to an injured or healing area can potentially worsen the condition or delay "
    "the healing process. Be sure to communicate with your massage therapist about any injuries or wounds so they "
    "can provide appropriate care and avoid any potentially harmful actions.",
)
PREGNANCY = Note(
    "Pregnancy",
    "While massage can be beneficial during pregnancy, certain areas and techniques should be avoided. It is crucial "
    "to consult with a massage therapist who specializes in prenatal massage, as they will have the knowledge and "
    "training to ensure the safety and comfort of both the mother and the baby.",
)
ALLERGY = Note(
    "Allergies or sensitivities",
    "If you have a known allergy or sensitivity to certain oils, lotions, or other massage products, it is "
    "important to inform your massage therapist beforehand. They can make appropriate adjustments by using "
    "alternative products or avoiding the use of specific ingredients that may trigger an allergic reaction.",
)
UNDERLYING = Note(
    "Underlying medical conditions",
    "If you have a history of underlying medical conditions that affect your back, such as herniated discs, "
    "arthritis, or scoliosis, it is important to consult with a healthcare professional. They can provide valuable "
    "insights, recommend specific techniques or precautions, and help ensure that massage does not exacerbate your "
    "existing condition.",
)
SEVERE_PAIN = Note(
    "Persistent or severe back pain",
    "If you experience persistent or severe back pain, it is essential to seek professional help. A massage "
    "therapist, chiropractor, or another healthcare professional specializing in back pain can assess your "
    "condition, provide appropriate treatment, and develop a comprehensive plan to address the underlying cause of "
    "your pain.",
)
NUMBNESS = Note(
    "Numbness or tingling sensations",
    "Numbness or tingling sensations in your back or other parts of your body could indicate a nerve-related issue. "
    "Nerve compression or irritation can lead to these symptoms, and it is crucial to consult with a healthcare "
    "professional for a proper diagnosis and appropriate treatment.",
)
DIFFICULTY_MOVING = Note(
    "Difficulty moving or performing daily activities",
    "When back pain or discomfort starts to interfere with your ability to move or perform daily activities, it is "
    "time to seek professional help. Difficulty with tasks such as bending, lifting, or walking can indicate a more "
    "serious underlying issue that requires further evaluation and targeted treatment.",
)
FIRM_PRESSURE = Note(
    "Bruising or skin irritation",
    "In some cases, a back massage may cause bruising or skin irritation. This can occur if excessive pressure or "
    "rough techniques are used during the massage. It is important to communicate your comfort level to the massage "
    "therapist and inform them immediately if you experience any pain or discomfort during the session.",
)
MODERATE_PRESSURE = Note(
    "Appropriate pressure",
    "Too much pressure can cause pain or bruising, while too little may not provide the desired relief. Start with a "
    "moderate amount of pressure and adjust as needed, ensuring that it feels comfortable and avoids any sharp or "
    "shooting pain.",
)
SCIATICA = Note(
    "Sciatica",
    "Nerve compression or irritation can cause numbness or tingling; if you feel either, consult a healthcare "
    "professional first.",
)


def _trimester_note(which: str) -> Note:
    return Note(
        "Your trimester",
        f"Tell your therapist you are in your {which} trimester: during pregnancy certain areas and techniques "
        "should be avoided, and a therapist who specializes in prenatal massage will know which.",
    )


# --- THE table ---


@dataclass(frozen=True)
class Rule:
    """What one answer means for the search.

    `params`: search parameters by their public names (therapists.filters), each value a string or a list of
    strings; VALUE stands for the answer's own value (a place, a price, a language code).
    `reason`: the filter and why, in the article's words; "{label}" is the answer as it reads.
    `note`: the article's safety note for this answer.
    `red_flag`: the article says massage may be unsafe: no therapist is shown until the person confirms that a
    healthcare professional has said massage is safe for them.
    """

    params: Mapping[str, str | list[str]] = field(default_factory=dict)
    reason: str = ""
    note: Note | None = None
    red_flag: bool = False


VALUE = "{value}"
ANY = "*"  # the row of an answer whatever its value (the value goes into the params where VALUE stands)
EXPERIENCED = "3"  # "An inexperienced masseuse may ... inadvertently cause injury."
SEASONED = "5"  # conditions the article sends to a professional first: the most experienced hands
# "Choose a licensed and certified massage therapist who has received proper training and has a good reputation."
TRAINED = MappingProxyType({"verified": "true", "min_experience": SEASONED})

_RED_FLAG_REASON = (
    "{label}: only verified therapists with at least 5 years in practice, once a healthcare professional has said "
    "massage is safe for you. The article advises “a licensed and certified massage therapist who has received "
    "proper training”."
)
_CONDITION_REASON = (
    "{label}: only verified therapists with at least 5 years in practice; “consult with a healthcare professional” "
    "about the techniques and precautions that suit you."
)

# Every answer the form can give: (field, value) -> Rule. A field or value with no row changes nothing.
RULES: dict[tuple[str, object], Rule] = {
    # Precautions and Considerations
    ("pregnant", True): Rule(
        {"specialty": ["prenatal"], "specialty_certified": "true"},
        "Pregnant: only therapists with a verified prenatal certification, since “it is crucial to consult with a "
        "massage therapist who specializes in prenatal massage”.",
        PREGNANCY,
    ),
    ("trimester", "first"): Rule(note=_trimester_note("first")),
    ("trimester", "second"): Rule(note=_trimester_note("second")),
    ("trimester", "third"): Rule(note=_trimester_note("third")),
    ("oil_allergy", True): Rule(
        {"hypoallergenic": "true"},
        "Allergies: only therapists who offer allergy-friendly products, who “can make appropriate adjustments by "
        "using alternative products”.",
        ALLERGY,
    ),
    ("injury", True): Rule(
        {"verified": "true", "min_experience": EXPERIENCED},
        "Recent injury or wound: verified therapists with at least 3 years in practice, since “an inexperienced "
        "masseuse may apply too much pressure, use improper techniques, or inadvertently cause injury”.",
        INJURY,
    ),
    ("conditions", "fracture"): Rule(TRAINED, _RED_FLAG_REASON, MEDICAL, True),
    ("conditions", "infection"): Rule(TRAINED, _RED_FLAG_REASON, MEDICAL, True),
    ("conditions", "tumour"): Rule(TRAINED, _RED_FLAG_REASON, MEDICAL, True),
    ("conditions", "blood-clot"): Rule(TRAINED, _RED_FLAG_REASON, MEDICAL, True),
    ("conditions", "herniated-disc"): Rule(TRAINED, _CONDITION_REASON, UNDERLYING),
    ("conditions", "arthritis"): Rule(TRAINED, _CONDITION_REASON, UNDERLYING),
    ("conditions", "scoliosis"): Rule(TRAINED, _CONDITION_REASON, UNDERLYING),
    ("conditions", "other"): Rule(
        {"verified": "true"},
        "{label}: only verified therapists; “it is essential to consult with a healthcare professional or a "
        "qualified massage therapist to ensure that a back massage is safe for you”.",
        MEDICAL,
    ),
    # When to seek professional help
    ("symptoms", "numbness"): Rule(TRAINED, _RED_FLAG_REASON, NUMBNESS, True),
    ("symptoms", "severe-pain"): Rule(TRAINED, _RED_FLAG_REASON, SEVERE_PAIN, True),
    ("symptoms", "difficulty-moving"): Rule(
        TRAINED,
        "{label}: only verified therapists with at least 5 years in practice; the article says “it is time to seek "
        "professional help”.",
        DIFFICULTY_MOVING,
    ),
    # What the person wants: the article's massage types
    ("goals", "relaxation"): Rule(
        {"specialty": ["swedish", "hot-stone"]},
        "Relaxation: Swedish or hot stone massage; Swedish “focuses on relaxation and stress relief”.",
    ),
    ("goals", "pain"): Rule(
        {"specialty": ["deep-tissue"]},
        "Pain relief: deep tissue massage, which “may be recommended for individuals with chronic pain”.",
    ),
    ("goals", "sport"): Rule(
        {"specialty": ["sports"]},
        "Recovery from sport: sports massage, “specifically designed to address the needs of athletes”.",
    ),
    ("goals", "flexibility"): Rule(
        {"specialty": ["thai"]}, "Flexibility: Thai massage, which “can help improve flexibility”."
    ),
    ("goals", "posture"): Rule(
        {"focus": ["posture-correction"]},
        "Better posture: therapists who work on posture correction, “addressing muscle imbalances and promoting "
        "proper alignment”.",
    ),
    # Where it hurts: the article's back issues (focus areas added in the admin get the ("focus", ANY) row)
    ("focus", "lower-back-pain"): Rule(
        {"focus": ["lower-back-pain"], "specialty": ["deep-tissue", "sports"], "min_experience": EXPERIENCED},
        "Chronic lower back pain: deep tissue or sports specialists with at least 3 years in practice.",
    ),
    ("focus", "sciatica"): Rule(
        {"focus": ["sciatica"], "min_experience": EXPERIENCED},
        "Sciatica: therapists who work on sciatica, with at least 3 years in practice.",
        SCIATICA,
    ),
    ("focus", ANY): Rule({"focus": [VALUE]}, "{label}: therapists who work on it."),
    # How
    ("pressure", "light"): Rule(
        {"specialty": ["swedish", "hot-stone"]},
        "Light pressure: Swedish or hot stone massage, “a great option for those seeking a gentle and soothing "
        "experience”.",
    ),
    ("pressure", "medium"): Rule(note=MODERATE_PRESSURE),
    ("pressure", "firm"): Rule(
        {"specialty": ["deep-tissue", "sports"]},
        "Firm pressure: deep tissue or sports massage, with “slow, firm strokes and targeted pressure”.",
        FIRM_PRESSURE,
    ),
    ("gender", ANY): Rule({"gender": [VALUE]}, "{label} therapists, as you asked."),
    ("language", ANY): Rule(
        {"language": [VALUE]},
        "Speaks {label}: “choosing a massage therapist with whom you feel comfortable and can effectively "
        "communicate is important”.",
    ),
    ("near", ANY): Rule({"near": VALUE}, "Near {label}."),
    ("max_price", ANY): Rule({"max_price": VALUE}, "Budget: up to ${label} for 60 minutes."),
    ("mobile", True): Rule({"mobile": "true"}, "Travels to you: only therapists who come to your home."),
}


# --- combining the rows ---


def _union(values: list[list[str]]) -> list[str]:
    return list(dict.fromkeys(v for vs in values for v in vs))


def _floor(values: list[str]) -> str:
    return str(max(int(v) for v in values))


def _ceiling(values: list[str]) -> str:
    return str(min(int(v) for v in values))


def _required(values: list[str]) -> str:
    return "true"


def _first(values: list[str]) -> str:
    return values[0]


# How two answers that set the same parameter combine: any-of lists take the union (relaxation and lower back
# pain: Swedish, hot stone, deep tissue or sports); floors the highest (an injury's 3 years and a fracture's 5
# make 5); the price ceiling the lowest; a "true to require" switch holds if any answer requires it; a place is
# the one the person typed.
MERGE: dict[str, Callable] = {
    "specialty": _union,
    "focus": _union,
    "language": _union,
    "gender": _union,
    "min_experience": _floor,
    "max_price": _ceiling,
    "specialty_certified": _required,
    "hypoallergenic": _required,
    "verified": _required,
    "mobile": _required,
    "near": _first,
}
SET_ASIDE_REASON = (
    "Type of massage: the certified specialty above comes first, so the types your other answers suggest ({names}) "
    "are set aside."
)


@dataclass(frozen=True)
class Answer:
    """One answer: the form's field, its value, and how it reads ("Second trimester", "Denver")."""

    field: str
    value: object
    label: str


@dataclass
class Outcome:
    """What the answers mean: the search filters, why, the safety notes, and what needs a professional first."""

    params: dict[str, str | list[str]]
    reasons: list[str]
    notes: list[Note]
    red_flags: list[str]  # the answers, as they read, for which the article says massage may be unsafe

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.red_flags)

    def query_string(self) -> str:
        """The filters as a query string: the same search on /therapists/."""
        return urlencode(self.params, doseq=True)

    def search_url(self) -> str:
        return f"{reverse('therapists:list')}?{self.query_string()}"


def rule_for(answer: Answer) -> Rule | None:
    return RULES.get((answer.field, answer.value)) or RULES.get((answer.field, ANY))


def _filled(params: Mapping, value: str) -> dict:
    """The row's params with the answer's value where VALUE stands."""
    return {
        name: [value if v == VALUE else v for v in given] if isinstance(given, list) else (
            value if given == VALUE else given)
        for name, given in params.items()
    }  # fmt: skip


def combine(answers: list[Answer]) -> Outcome:
    """The answers' rows combined (see MERGE), their reasons in order and each note once, red flags' notes first.

    A specialty certification is a requirement, not a preference: the rows that set `specialty_certified`
    (pregnancy: prenatal) replace the specialties the other rows only suggest, since `specialty_certified`
    demands a certificate in every chosen specialty and an any-of list would let non-prenatal therapists through.
    """
    given: dict[str, list] = {}
    required_specialties: list[list[str]] = []
    reasons: list[str] = []
    flag_notes: list[Note] = []
    other_notes: list[Note] = []
    red_flags: list[str] = []
    for answer in answers:
        rule = rule_for(answer)
        if rule is None:
            continue
        params = _filled(rule.params, str(answer.value))
        for name, value in params.items():
            given.setdefault(name, []).append(value)
        if params.get("specialty_certified") == "true":
            required_specialties.append(params.get("specialty", []))
        if rule.reason:
            reasons.append(rule.reason.replace("{label}", answer.label))
        if rule.note:
            (flag_notes if rule.red_flag else other_notes).append(rule.note)
        if rule.red_flag:
            red_flags.append(answer.label)
    merged = {name: MERGE[name](values) for name, values in given.items()}
    if required_specialties:
        required = _union(required_specialties)
        set_aside = [slug for slug in merged.get("specialty", []) if slug not in required]
        merged["specialty"] = required
        if set_aside:
            names = vocabulary.by_slug("specialty")
            words = ", ".join(names[slug].name if slug in names else slug for slug in set_aside)
            reasons.append(SET_ASIDE_REASON.format(names=words))
    notes = list(dict.fromkeys(flag_notes + other_notes))
    return Outcome(params=merged, reasons=reasons, notes=notes, red_flags=red_flags)


# --- the form ---

PLAIN_CHOICE_ERROR = "Choose one of the answers listed."
PLAIN_LENGTH_ERROR = f"Keep this to {TEXT_MAX_LENGTH} characters or fewer."
PLAIN_PRICE_ERROR = f"Enter a whole dollar amount from 0 to {MAX_PRICE:,}, like 80."


class MatchForm(forms.Form):
    """The guided match's questions. Every field is optional: a person answers what matters to them.

    The choices of focus areas and languages are the vocabularies' (cached, no query once warm).
    """

    goals = forms.MultipleChoiceField(
        label="What would you like from a massage?", choices=GOALS, required=False, widget=forms.CheckboxSelectMultiple
    )
    focus = forms.MultipleChoiceField(label="Where does it hurt?", required=False, widget=forms.CheckboxSelectMultiple)
    pregnant = forms.BooleanField(label="I am pregnant", required=False)
    trimester = forms.ChoiceField(label="Trimester", choices=[("", "Choose if pregnant"), *TRIMESTERS], required=False)
    oil_allergy = forms.BooleanField(label="I am allergic or sensitive to some oils or lotions", required=False)
    injury = forms.BooleanField(label="I have a recent injury or wound", required=False)
    injury_where = forms.CharField(
        label="Where is it?", max_length=TEXT_MAX_LENGTH, required=False, help_text="For example: lower back."
    )
    conditions = forms.MultipleChoiceField(
        label="Do you have any of these medical conditions?",
        choices=CONDITIONS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    symptoms = forms.MultipleChoiceField(
        label="Do you have any of these symptoms?",
        choices=SYMPTOMS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    pressure = forms.ChoiceField(
        label="Pressure you prefer", choices=PRESSURES, required=False, initial="", widget=forms.RadioSelect
    )
    gender = forms.ChoiceField(
        label="Gender", choices=[("", "No preference"), *Therapist.Gender.choices], required=False
    )
    language = forms.ChoiceField(label="Language", required=False)
    near = forms.CharField(label="City or ZIP code", max_length=TEXT_MAX_LENGTH, required=False)
    max_price = forms.IntegerField(label="Budget per hour ($)", min_value=0, max_value=MAX_PRICE, required=False)
    mobile = forms.BooleanField(label="I would like the therapist to come to me", required=False)
    confirmed = forms.BooleanField(
        label="My doctor has said massage is safe for me, and I understand the notes above.", required=False
    )

    # The order answers are read in, and so the order of the reasons on the page: health first.
    ANSWER_FIELDS = ("pregnant", "trimester", "oil_allergy", "injury", "conditions", "symptoms", "goals", "focus",
                     "pressure", "gender", "language", "near", "max_price", "mobile")  # fmt: skip
    # The answers that are health information, the ones the page must never put into a link.
    HEALTH_FIELDS = ("pregnant", "trimester", "oil_allergy", "injury", "injury_where", "conditions", "symptoms")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        terms = vocabulary.vocabulary()
        self.fields["focus"].choices = [(t.slug, t.name) for t in terms["focus"]]
        self.fields["language"].choices = [("", "Any language"), *((t.slug, t.name) for t in terms["language"])]
        # static/js/place-autocomplete.js binds to this attribute, as on the search page.
        self.fields["near"].widget.attrs["data-place-autocomplete"] = reverse("therapists:place-autocomplete")
        self.fields["near"].widget.attrs["autocomplete"] = "address-level2"
        for form_field in self.fields.values():
            form_field.error_messages["invalid_choice"] = PLAIN_CHOICE_ERROR
            form_field.error_messages["invalid_list"] = PLAIN_CHOICE_ERROR
            form_field.error_messages["max_length"] = PLAIN_LENGTH_ERROR
        for code in ("invalid", "min_value", "max_value"):
            self.fields["max_price"].error_messages[code] = PLAIN_PRICE_ERROR

    def full_clean(self):
        super().full_clean()
        for name in self._errors:
            if name in self.fields:
                # The error is read with its field (templates/therapists/match.html gives it this id).
                self.fields[name].widget.attrs.update({"aria-invalid": "true", "aria-describedby": f"id_{name}-errors"})

    def clean_near(self):
        return " ".join(self.cleaned_data["near"].split())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("trimester") and not cleaned.get("pregnant"):
            self.add_error("trimester", "Choose a trimester only if you are pregnant: tick “I am pregnant” or "
                                        "choose “Choose if pregnant”.")  # fmt: skip
        if cleaned.get("injury_where") and not cleaned.get("injury"):
            self.add_error("injury_where", "Say where only with a recent injury or wound: tick “I have a recent "
                                           "injury or wound” or clear this box.")  # fmt: skip
        return cleaned

    def answers(self) -> list[Answer]:
        """The valid form's answers, one per chosen value, in ANSWER_FIELDS' order."""
        found = []
        for name in self.ANSWER_FIELDS:
            value = self.cleaned_data.get(name)
            if value in (None, "", [], False):
                continue
            labels = dict(getattr(self.fields[name], "choices", []))
            for one in value if isinstance(value, list) else [value]:
                found.append(Answer(name, one, str(labels.get(one, one))))
        return found

    def outcome(self) -> Outcome:
        """What the valid form's answers mean (the table, combined)."""
        return combine(self.answers())

    def precautions(self) -> list[str]:
        """The valid form's health answers as plain sentences a client may choose to send a therapist with a
        request ("Pregnant, second trimester"); the request form shows them for editing, nothing stores them."""
        data = self.cleaned_data
        lines = []
        if data.get("pregnant"):
            trimester = dict(TRIMESTERS).get(data.get("trimester"))
            lines.append(f"Pregnant, {trimester.lower()}" if trimester else "Pregnant")
        if data.get("oil_allergy"):
            lines.append("Allergic or sensitive to oils and lotions")
        if data.get("injury"):
            where = " ".join(data.get("injury_where", "").split())
            lines.append(f"Recent injury or wound: {where}" if where else "Recent injury or wound")
        for name, choices in (("conditions", CONDITIONS), ("symptoms", SYMPTOMS)):
            labels = dict(choices)
            lines.extend(labels[value] for value in data.get(name, []))
        return lines

    def hidden_answers(self) -> list[tuple[str, str]]:
        """The valid form's answers as (name, value) pairs: the confirmation step posts them back in its body."""
        pairs = []
        for name in self.fields:
            value = self.cleaned_data.get(name)
            if name == "confirmed" or value in (None, "", [], False):
                continue
            for one in value if isinstance(value, list) else [value]:
                pairs.append((name, "on" if one is True else str(one)))
        return pairs
