"""Logs never hold a caller's full number: request lines carry numbers in their query
strings (the intake form's caller lookup `/cases/caller?phone=`, the case list's phone
filter), and the development server logs every request line."""

from __future__ import annotations

import logging
from urllib.parse import unquote_plus

from dispatch.phones import mask_in_text


class MaskNumbers(logging.Filter):
    """Masks phone-number-looking digit runs in a record's message, URL-encoded ones
    (%2B8613812341234) too: the message is decoded first."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_in_text(unquote_plus(message))
        if masked != unquote_plus(message):
            record.msg, record.args = masked, None
        return True


def mask_request_log() -> None:
    """Mask the numbers in the request lines of the development server (werkzeug)."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, MaskNumbers) for f in logger.filters):
        logger.addFilter(MaskNumbers())
