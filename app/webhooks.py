"""Twilio webhooks: voice calls and their status, incoming texts and the delivery reports of
the texts we sent; every request's signature is checked when Twilio is configured.
Handlers parse, check, call one service, commit, answer."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, Response, abort, current_app, request, url_for
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from app.extensions import csrf, db
from app.models import utcnow
from config import twilio_configured
from dispatch import calls
from dispatch.errors import ValidationFailed
from notifications import delivery, inbound

bp = Blueprint("twilio", __name__, url_prefix="/twilio")
csrf.exempt(bp)

GREETING = "您好,这里是12319城建服务热线,正在为您转接话务员,请稍候。"
AFTER_HOURS = "您好,这里是12319城建服务热线。现在是非工作时间,请在提示音后留言,我们将在上班后回电。"
QUEUE = "operators"


def public_url() -> str:
    """The URL Twilio called: the configured public address behind a TLS-terminating proxy."""
    base = current_app.config["PUBLIC_URL"] or request.host_url
    query = request.query_string.decode(errors="replace")  # not UTF-8: no signature fits
    return base.rstrip("/") + request.path + (f"?{query}" if query else "")


def twilio_signed(view):
    """Refuse (403) a request without a valid X-Twilio-Signature when Twilio is configured."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if twilio_configured(current_app.config):
            validator = RequestValidator(current_app.config["TWILIO_AUTH_TOKEN"])
            signature = request.headers.get("X-Twilio-Signature", "")
            if not validator.validate(public_url(), request.form.to_dict(), signature):
                abort(403)
        return view(*args, **kwargs)

    return wrapped


def twiml(response: VoiceResponse | MessagingResponse) -> Response:
    return Response(str(response), mimetype="application/xml")


def invalid(message: str, **extra):
    """A 400 with a short body: a request Twilio does not send, answered with nothing
    written (a 500 would have Twilio retry it)."""
    return {"error": {"code": "invalid", "message": message, **extra}}, 400


@bp.errorhandler(ValidationFailed)
def _invalid(exc: ValidationFailed):
    db.session.rollback()
    problems = "; ".join(f"{name} {message}" for name, message in exc.fields.items())
    return invalid(problems or exc.message, fields=exc.fields)


@bp.post("/voice")
@twilio_signed
def voice():
    form = request.form
    call = calls.receive(
        form.get("CallSid", ""),
        form.get("From", ""),
        form.get("To", ""),
        utcnow(),
        current_app.config["OPERATOR_HOURS"],
    )
    db.session.commit()
    answer = VoiceResponse()
    if call.in_hours:
        answer.say(GREETING, language="zh-CN")
        answer.enqueue(QUEUE)
    else:
        answer.say(AFTER_HOURS, language="zh-CN")
        answer.record(action=url_for("twilio.voice_message"), max_length=120, play_beep=True)
    return twiml(answer)


@bp.post("/voice/message")
@twilio_signed
def voice_message():
    form = request.form
    calls.take_message(
        form.get("CallSid", ""),
        form.get("RecordingUrl", ""),
        form.get("RecordingSid", ""),
        utcnow(),
        current_app.config["VOICEMAIL_CATEGORY"],
    )
    db.session.commit()
    answer = VoiceResponse()
    answer.say("留言已收到,谢谢,再见。", language="zh-CN")
    answer.hangup()
    return twiml(answer)


@bp.post("/voice/status")
@twilio_signed
def voice_status():
    form = request.form
    calls.update_status(
        form.get("CallSid", ""), form.get("CallStatus", ""), form.get("CallDuration"), utcnow()
    )
    db.session.commit()
    return "", 204


@bp.post("/sms")
@twilio_signed
def sms():
    """An incoming text: handled once per MessageSid; the answer is always an empty TwiML
    (anything we say back goes through the outbox)."""
    form = request.form
    sid = form.get("MessageSid", "") or form.get("SmsSid", "")
    inbound.receive(sid, form.get("From", ""), form.get("Body", ""), utcnow())
    db.session.commit()
    return twiml(MessagingResponse())


@bp.post("/sms/status")
@twilio_signed
def sms_status():
    form = request.form
    report = (
        form.get("MessageSid", "") or form.get("SmsSid", ""),
        form.get("MessageStatus", "") or form.get("SmsStatus", ""),
        form.get("ErrorCode", ""),
    )
    try:
        delivery.record_status(*report, utcnow())
    except ValueError as exc:
        return invalid(str(exc))
    db.session.commit()
    return "", 204
