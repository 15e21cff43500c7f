"""The people who use the site: one account model from the first migration, email unique whatever its case."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

DUPLICATE_EMAIL_MESSAGE = "An account with this email already exists. Log in, or reset your password."


class AccountManager(UserManager):
    def with_email(self, email: str):
        """Accounts holding this address, compared as the database constraint compares them."""
        return self.filter(email__iexact=email.strip())

    def for_login(self, identifier: str):
        """The account a log-in names: by username first (usernames may contain "@"), else by email."""
        identifier = identifier.strip()
        if not identifier:
            return None
        found = self.filter(Q(username=identifier) | Q(email__iexact=identifier)).order_by("pk")[:2]
        by_name = [user for user in found if user.username == identifier]
        return by_name[0] if by_name else (found[0] if found else None)


class User(AbstractUser):
    """A person with an account: a client, a therapist, or staff (verifiers, moderators)."""

    # Required: it is where password resets, decisions and review invitations go.
    email = models.EmailField("email address", max_length=254)
    # Set when the person follows the one-time link sent to the address; reviews need it.
    email_confirmed_at = models.DateTimeField("email confirmed at", null=True, blank=True)
    # What the public sees beside a review; the log-in name is never shown.
    display_name = models.CharField(
        "public name", max_length=60, blank=True, help_text="Shown beside your reviews. Leave empty to show “Ana L.”."
    )

    objects = AccountManager()

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_ci_unique",
                violation_error_code="duplicate_email",
                violation_error_message=DUPLICATE_EMAIL_MESSAGE,
            ),
            models.CheckConstraint(condition=~Q(email=""), name="user_email_required"),
        ]

    @property
    def has_confirmed_email(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def public_name(self) -> str:
        """The name shown to the public: the chosen one, else first name and initial; never the log-in name."""
        if self.display_name.strip():
            return self.display_name.strip()
        first, last = self.first_name.strip(), self.last_name.strip()
        if first:
            return f"{first} {last[0]}." if last else first
        return "A client"


class AccountFootprint(models.Model):
    """Where an account was used from, as keyed hashes only: an address or a browser (its "device" cookie).

    Written at log-in and on a profile owner's dashboard writes (accounts.footprints); read by the review
    integrity signals, which ask whether a review came from where the reviewed therapist's own account was used.
    The address or cookie itself is never stored: value_hash is an HMAC under SECRET_KEY.
    """

    class Kind(models.TextChoices):
        ADDRESS = "address", "Address"
        DEVICE = "device", "Browser"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="footprints")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    value_hash = models.CharField(max_length=64)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()

    class Meta:
        constraints = [
            # Also the index the integrity signals read: this account, this kind, these hashes.
            models.UniqueConstraint(fields=["user", "kind", "value_hash"], name="one_footprint_per_value"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.user_id}, last seen {self.last_seen:%Y-%m-%d}"
