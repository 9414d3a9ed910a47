"""SMS gateways: Twilio through its official client, or the console (the embedded default).

A send either returns the provider's message id, raises Rejected (the provider answered
and did not take the message: safe to retry later), or raises Unknown (no answer: the
message may have gone out, so it is looked up before any resend).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from dispatch.phones import mask_in_text

log = logging.getLogger(__name__)


def mask(e164: str) -> str:
    """Logs never hold a full number."""
    return e164[:6] + "****" + e164[-4:] if len(e164) > 10 else "****"


class Rejected(Exception):
    """The provider answered and did not take the message."""


class Unknown(Exception):
    """No answer: the message may or may not have been taken."""


class SmsGateway(Protocol):
    def send(self, to: str, body: str, status_callback: str | None) -> str: ...

    def find_sent(self, to: str, body: str, since: datetime) -> str | None: ...


@dataclass
class ConsoleGateway:
    """Logs messages (number masked) and keeps them; used when Twilio is not configured."""

    sent: list[tuple[str, str, str]] = field(default_factory=list)

    def send(self, to: str, body: str, status_callback: str | None = None) -> str:
        sid = "CONSOLE" + uuid.uuid4().hex
        self.sent.append((sid, to, body))
        log.info("SMS to %s: %s", mask(to), mask_in_text(body))  # texts quote callers' numbers
        return sid

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        return next((sid for sid, t, b in self.sent if t == to and b == body), None)


class TwilioGateway:
    """The official twilio client; `base_url` points it at a compatible gateway or a fake."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        base_url: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        self.from_number = from_number
        self.client = Client(
            account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout, max_retries=0)
        )
        if base_url:
            self.client.api.base_url = base_url.rstrip("/")

    def send(self, to: str, body: str, status_callback: str | None = None) -> str:
        from twilio.base.exceptions import TwilioRestException

        extra = {"status_callback": status_callback} if status_callback else {}
        try:
            message = self.client.messages.create(to=to, from_=self.from_number, body=body, **extra)
        except TwilioRestException as exc:
            # Twilio's messages may quote the number ("The 'To' number +86... is not a valid
            # phone number"): what is kept and logged of them has it masked.
            reason = f"Twilio {exc.status} {exc.code or ''}: {mask_in_text(exc.msg)}"
            raise Rejected(reason.strip()) from exc
        except Exception as exc:  # timeouts and connection errors: the outcome is unknown
            raise Unknown(mask_in_text(f"{type(exc).__name__}: {exc}")) from exc
        return message.sid

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        """The id of a message already sent to `to` with this body since `since`, if any."""
        for message in self.client.messages.list(
            to=to, from_=self.from_number, date_sent_after=since, limit=200
        ):
            if message.body == body:
                return message.sid
        return None


def from_config(config: dict) -> SmsGateway:
    """Twilio when all three settings are present, else the console."""
    from config import twilio_configured

    if twilio_configured(config):
        return TwilioGateway(
            config["TWILIO_ACCOUNT_SID"],
            config["TWILIO_AUTH_TOKEN"],
            config["TWILIO_FROM_NUMBER"],
            config.get("TWILIO_BASE_URL"),
            config.get("TWILIO_TIMEOUT_SECONDS", 10.0),
        )
    return _console


_console = ConsoleGateway()
