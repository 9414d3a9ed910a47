"""Webhook tests' Twilio account: the settings a live server gets, and requests signed as
Twilio signs them (the public address behind a TLS-terminating proxy, not the one the
app sees)."""

from __future__ import annotations

from twilio.request_validator import RequestValidator

AUTH_TOKEN = "test-auth-token"
PUBLIC = "https://hotline.example.org"
TWILIO = {
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
    "TWILIO_FROM_NUMBER": "+8612319000000",
    "PUBLIC_URL": PUBLIC,
}


def signature(path: str, params: dict, base: str = PUBLIC) -> str:
    return RequestValidator(AUTH_TOKEN).compute_signature(base + path, params)


def signed(path: str, params: dict) -> dict:
    """The signature header of a POST of `params` to `path`."""
    return {"X-Twilio-Signature": signature(path, params)}
