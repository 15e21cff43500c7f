"""Therapist.<kind>_bits: a therapist's links to each vocabulary as bits, one per term (the term's `bit`).

The search counts its link facets ("Swedish (312)") by grouping the matching therapists on these columns, which the
facet index covers, instead of reading every link row of every matching therapist (at 100,000 therapists the four
link tables hold about 900,000 rows; PERFORMANCE.md has the figures). The links stay the truth: the filters read
them, and these columns are recomputed from them, in the same transaction, whenever they change:

- `m2m_changed` of each link, from either side (forms, the admin, services, `.add()`, `.set()`, `.clear()`);
- a term's deletion, whose links go by cascade without `m2m_changed`;
- a bulk insert of link rows (seed_demo), which calls refresh_term_bits() itself.

The filters read the same columns (TherapistFilterSet._linked), so what a facet counts is what its link finds.
"""

from django.db.models import BigIntegerField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce
from django.db.models.signals import m2m_changed, post_delete, post_save

from .models import Therapist
from .vocabulary import KINDS, LINKS, TERM_MODELS, clear_vocabulary_cache

BITS_COLUMNS = {"specialty": "specialty_bits", "focus": "focus_bits", "language": "language_bits",
                "amenity": "amenity_bits"}  # fmt: skip


def mask(bit: int) -> int:
    return 1 << bit


def set_bits(bits: int):
    """The bit numbers set in `bits`, lowest first."""
    while bits:
        lowest = bits & -bits
        yield lowest.bit_length() - 1
        bits ^= lowest


def _links_mask(kind: str) -> Subquery:
    """The sum of 1 << bit over one therapist's links of that kind: each term at most once, so the sum is the OR.
    The 1 is cast to a 64-bit integer: PostgreSQL shifts a plain integer literal modulo 32."""
    through, column = LINKS[kind]
    shifted = Cast(Value(1), BigIntegerField()).bitleftshift(F(f"{column.removesuffix('_id')}__bit"))
    links = (
        through.objects.filter(therapist_id=OuterRef("pk"))
        .order_by()
        .values("therapist_id")
        .annotate(mask=Sum(shifted, output_field=BigIntegerField()))
        .values("mask")
    )
    return Coalesce(Subquery(links), Value(0), output_field=BigIntegerField())


def holding(kind: str, bit: int) -> Q:
    """Therapists whose column has the term's bit set."""
    held = Therapist.objects.alias(held=F(BITS_COLUMNS[kind]).bitand(mask(bit)))
    return Q(pk__in=held.filter(held__gt=0).values("pk"))


def refresh_term_bits(where: Q | None = None, kinds=KINDS) -> int:
    """Recompute the columns of the kinds from the links, for the therapists `where` selects (all by default), in
    one UPDATE. Returns the number of therapists."""
    therapists = Therapist.objects.filter(where) if where is not None else Therapist.objects.all()
    return therapists.update(**{BITS_COLUMNS[kind]: _links_mask(kind) for kind in kinds})


def _links_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    kind = next(kind for kind, (through, _) in LINKS.items() if through is sender)
    if not reverse:
        refresh_term_bits(Q(pk=instance.pk), [kind])
    else:
        # A term's therapists changed: those named and, for a clear (which names none), those that held it.
        refresh_term_bits(Q(pk__in=pk_set or ()) | holding(kind, instance.bit), [kind])


def _term_deleted(sender, instance, **kwargs):
    kind = next(kind for kind, model in TERM_MODELS.items() if model is sender)
    refresh_term_bits(holding(kind, instance.bit), [kind])
    # A deleted term's bit is free for the next term: no cached vocabulary may still name it by the old slug.
    clear_vocabulary_cache()


def _term_saved(sender, instance, **kwargs):
    # The filters read each term's bit from the cached vocabulary: a new term is known at once, on every path.
    clear_vocabulary_cache()


def connect() -> None:
    """Called once, from TherapistsConfig.ready."""
    for kind, (through, _) in LINKS.items():
        m2m_changed.connect(_links_changed, sender=through, dispatch_uid=f"therapists.term_bits.links.{kind}")
    for kind, model in TERM_MODELS.items():
        post_delete.connect(_term_deleted, sender=model, dispatch_uid=f"therapists.term_bits.deleted.{kind}")
        post_save.connect(_term_saved, sender=model, dispatch_uid=f"therapists.term_bits.saved.{kind}")
