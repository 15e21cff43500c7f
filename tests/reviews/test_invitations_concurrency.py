"""Simultaneous uses of one invitation on a real database (a SQLite file in WAL mode, or PostgreSQL): one review."""

# Committed for real (transaction=True), from 20 threads with a connection each, closed when the thread ends: the
# invitation's row lock (the therapist's first) lets one use through; every other is told it was used.

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import timezone

from appointments.models import AppointmentRequest
from reviews import invitations
from reviews.models import Review, ReviewInvitation
from therapists.models import Therapist

from ..appointments.helpers import request_in
from .helpers import review_content

pytestmark = pytest.mark.django_db(transaction=True)

USES = 20


def test_twenty_simultaneous_uses_of_one_invitation_write_exactly_one_review(
    reviewed_therapist, review_author, swedish_specialty
):
    visit = request_in(
        AppointmentRequest.Status.HELD, client=review_author, therapist=reviewed_therapist,
        agreed_at=timezone.now() - datetime.timedelta(days=1),
    )  # fmt: skip
    invitation = invitations.invitation_issue(visit=visit).invitation
    contents = [review_content(title=f"Attempt {n}") for n in range(USES)]
    start = threading.Barrier(USES)

    def use(content):
        try:
            start.wait()
            invitations.review_create_from_invitation(invitation=invitation, author=review_author, content=content)
            return "stored"
        except ValidationError as error:
            return error.code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=USES) as pool:
        outcomes = list(pool.map(use, contents))

    assert sorted(outcomes) == ["stored"] + ["used"] * (USES - 1)
    review = Review.objects.get()
    assert review.visit_id == visit.pk and review.title == contents[outcomes.index("stored")].title
    assert ReviewInvitation.objects.get().used_at is not None
    therapist = Therapist.objects.get(pk=reviewed_therapist.pk)
    assert (therapist.review_count, therapist.verified_review_count) == (1, 1)
