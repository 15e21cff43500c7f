"""The upload handler that keeps an enormous upload from ever filling the disk."""

from django.core.files.uploadhandler import FileUploadHandler

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class CappedUploadHandler(FileUploadHandler):
    """Keeps at most one byte more than MAX_UPLOAD_BYTES of any uploaded file.

    Placed first among FILE_UPLOAD_HANDLERS, it passes on only the start of a file, so an
    enormous upload never fills the disk; the form still sees a file over the limit and says so.
    """

    def receive_data_chunk(self, raw_data, start):
        remaining = MAX_UPLOAD_BYTES + 1 - start
        if remaining <= 0:
            return None
        return raw_data[:remaining]

    def file_complete(self, file_size):
        return None
