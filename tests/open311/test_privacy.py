"""No Open311 answer carries the caller's name or phone number, internal notes, reasons or
who handled a case; phone-like digits and the caller's own name in a description are
masked."""

from __future__ import annotations

from datetime import timedelta

from app.models import Action, utcnow
from app.sqlite import writing
from dispatch import lifecycle
from tests.open311.conftest import BASE

PHONE = "13912345678"
NAME = "欧阳明"
SECRETS = [
    PHONE,
    "+86" + PHONE,
    "139 1234 5678",
    "139－1234－5678",
    "139.1234.5678",
    "5678",  # not even the last four digits (the public lookup's key)
    NAME,
    "明日不在家",  # the return reason
    "疑似重复投诉",  # a supervision note
    "需要管道检测",  # an extension reason
    "刘洋",  # the handler's name (供水 刘洋)
    "王芳",  # the operator's name (话务员 王芳)
    "water1",
    "operator1",
]


def _everything(client, numbers: list[str], api_key: str) -> list[str]:
    answers = []
    for fmt in ("json", "xml"):
        answers.append(client.get(f"{BASE}/requests.{fmt}").get_data(as_text=True))
        ids = ",".join(numbers)
        answers.append(
            client.get(f"{BASE}/requests.{fmt}", query_string={"service_request_id": ids}).text
        )
        for number in numbers:
            answers.append(client.get(f"{BASE}/requests/{number}.{fmt}").get_data(as_text=True))
        posted = client.post(
            f"{BASE}/requests.{fmt}",
            data={
                "api_key": api_key,
                "service_code": "roads.pothole",
                "description": f"路面有坑,我叫{NAME},电话{PHONE}",
                "address_string": "解放路1号",
                "phone": PHONE,
                "first_name": "明",
                "last_name": "欧阳",
            },
        )
        assert posted.status_code == 201
        answers.append(posted.get_data(as_text=True))
    return answers


def test_no_answer_names_the_caller_or_the_handling(client, db, user, make_case, api_key):
    now = utcnow() - timedelta(days=1)  # within the list's default 90 days
    described = f"{NAME}反映:幸福小区停水,回电{PHONE}或139-1234-5678,139－1234－5678,139.1234.5678"
    case = make_case(
        "accepted", at=now, caller_phone=PHONE, caller_name=NAME, description=described
    )
    later = (case.due_at + timedelta(days=3)).isoformat()
    returned = make_case("dispatched", at=now, caller_phone=PHONE, caller_name=NAME)
    with writing():
        lifecycle.act(case, Action.SUPERVISE, user("supervisor1"), now, {"note": "疑似重复投诉"})
        extension = {"until": later, "reason": "需要管道检测"}
        lifecycle.act(case, Action.EXTEND, user("water1"), now, extension)
        lifecycle.act(returned, Action.RETURN, user("water1"), now, {"reason": "明日不在家"})
        db.session.commit()
    numbers = [case.number, returned.number]
    answers = _everything(client, numbers, api_key)
    assert case.number in answers[0] and returned.number in answers[0]  # the default list
    for text in answers:
        for secret in SECRETS:
            assert secret not in text, (secret, text[:400])
    (shown,) = client.get(f"{BASE}/requests/{case.number}.json").get_json()
    assert shown["description"] == (
        "欧**反映:幸福小区停水,回电139********或139-****-****,139－****－****,139.****.****"
    )
