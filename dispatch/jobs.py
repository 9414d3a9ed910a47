"""Scheduler job functions: each calls one service and commits."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from app.extensions import db
from app.models import utcnow
from app.sqlite import writing
from dispatch import escalation
from notifications import delivery
from notifications.delivery import Round
from notifications.gateway import SmsGateway


def escalate_due_cases(now: datetime | None = None) -> list[escalation.Escalated]:
    """Raise every case whose next escalation is due, a batch a transaction; safe to rerun."""
    done: list[escalation.Escalated] = []
    with writing():
        while True:
            batch = escalation.sweep(now or utcnow(), current_app.config["SWEEP_BATCH"])
            db.session.commit()
            done += batch.escalated
            if not batch.claimed:
                return done


def send_outbox(gateway: SmsGateway, now: datetime | None = None, limit: int = 100) -> Round:
    """Send what is due in the SMS outbox: the claim commits before any send, then one
    transaction a message, so that a crash at any point sends nothing twice."""
    tally = Round()
    with writing():
        ids = delivery.claim(now or utcnow(), limit)
        db.session.commit()
        for message_id in ids:
            delivery.deliver(message_id, gateway, now or utcnow(), _status_callback(), tally)
            db.session.commit()
    return tally


def _status_callback() -> str | None:
    base = current_app.config.get("PUBLIC_URL")
    return base.rstrip("/") + "/twilio/sms/status" if base else None
