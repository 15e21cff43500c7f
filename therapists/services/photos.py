"""The profile photo: stored checked and cleaned under random names; replaced and removed with its files."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q

from common.files import delete_stored_files, discard_written_files

from ..models import Therapist
from ..uploads import ProcessedPhoto


def photo_in_use(name: str) -> bool:
    """Whether any profile still points at the file (demo profiles share files)."""
    return Therapist.objects.filter(Q(photo=name) | Q(photo_thumbnail=name)).exists()


def photo_storage():
    return Therapist._meta.get_field("photo").storage


def therapist_set_photo(*, therapist: Therapist, photo: ProcessedPhoto) -> Therapist:
    """Store a checked, cleaned photo and its thumbnail under random names; the old files go."""
    written: list[str] = []
    try:
        with transaction.atomic():
            locked = Therapist.objects.lock(therapist.pk)
            old = [locked.photo.name, locked.photo_thumbnail.name]
            locked.photo.save("photo.jpg", ContentFile(photo.photo), save=False)
            written.append(locked.photo.name)
            locked.photo_thumbnail.save("thumbnail.jpg", ContentFile(photo.thumbnail), save=False)
            written.append(locked.photo_thumbnail.name)
            locked.save(update_fields=["photo", "photo_thumbnail", "updated_at"])
            delete_stored_files(storage=photo_storage(), names=old, still_used=photo_in_use)
    except Exception:
        discard_written_files(storage=photo_storage(), names=written)
        raise
    return locked


def therapist_remove_photo(*, therapist: Therapist) -> Therapist:
    with transaction.atomic():
        locked = Therapist.objects.lock(therapist.pk)
        old = [locked.photo.name, locked.photo_thumbnail.name]
        locked.photo = ""
        locked.photo_thumbnail = ""
        locked.save(update_fields=["photo", "photo_thumbnail", "updated_at"])
        delete_stored_files(storage=photo_storage(), names=old, still_used=photo_in_use)
    return locked
