"""The hotline's settings as the services need them (time zone, phone region, prefix)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import current_app


def timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def phone_region() -> str:
    return current_app.config["PHONE_REGION"]


def case_number_prefix() -> str:
    return current_app.config["CASE_NUMBER_PREFIX"]


def rework_limit() -> int:
    """How many times a case goes back for rework (重办) when the citizen is not satisfied."""
    return current_app.config["REWORK_LIMIT"]


def intake_key_retention() -> timedelta:
    """How long a registration's key (重复提交保护) replays the case it registered."""
    return timedelta(hours=current_app.config["INTAKE_KEY_HOURS"])
