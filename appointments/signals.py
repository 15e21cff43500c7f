"""The appointments app's own signals: what another app may follow without appointments importing it."""

from django.dispatch import Signal

# Sent by appointments.services inside the transaction that records a visit as having taken place, with
# `visit` (the AppointmentRequest, locked). Receivers write in that same transaction, so a receiver that fails
# leaves the outcome unrecorded too: nothing half done. (reviews.receivers issues the client's invitation.)
visit_took_place = Signal()
