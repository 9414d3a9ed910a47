"""Take the README's screenshots: python scripts/screenshots.py (needs Debian's chromium and
chromium-driver). Runs `hotline serve` on a temporary SQLite database with demo data and a
few cases, and saves PNGs under docs/screenshots/."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import chromium, log_in  # noqa: E402
from tests.servers import free_port, wait_until_listening  # noqa: E402

BIN = Path(sys.executable).parent
OUT = ROOT / "docs" / "screenshots"
CASES = [  # phone, category, description, address, district
    (
        "13812341234",
        "water.outage",
        "幸福小区3号楼从昨晚起停水,至今未恢复。",
        "幸福路18号",
        "东城区",
    ),
    ("13912345678", "gas.leak", "楼道里有很浓的燃气味,请尽快派人。", "和平街6号2单元", "西城区"),
    ("010-62345678", "roads.pothole", "路口有一个大坑,晚上骑车很危险。", "中山路路口", "南区"),
    ("13700001111", "heating.cold", "家里暖气不热,室温只有14度。", "阳光花园5栋", "北区"),
    ("13600002222", "drainage.flooding", "下雨后地下通道积水半米深。", "火车站通道", "东城区"),
]


# A year of history for the statistics pages: category, description, district, weight.
HISTORY = [
    ("water.outage", "小区停水,至今未恢复。", "东城区", 9),
    ("water.pressure", "高层水压不足。", "北区", 5),
    ("water.quality", "自来水发黄有异味。", "西城区", 3),
    ("gas.outage", "小区停气,无法做饭。", "西城区", 3),
    ("gas.billing", "燃气费账单金额不对。", "南区", 2),
    ("heating.cold", "暖气不热,室温偏低。", "北区", 8),
    ("heating.leak", "暖气片接口漏水。", "东城区", 3),
    ("drainage.blocked", "下水道堵塞返水。", "南区", 5),
    ("roads.pothole", "路面有大坑。", "南区", 6),
    ("roads.streetlight", "小区门口的灯不亮。", "西城区", 4),
    ("housing.property", "物业不作为,楼道脏乱。", "东城区", 5),
    ("housing.elevator", "电梯经常停运。", "北区", 4),
    ("appearance.litter", "垃圾多日无人清运。", "西城区", 5),
    ("construction.noise", "工地噪音很大。", "东城区", 3),
    ("construction.wages", "工程款拖欠农民工工资。", "南区", 2),
]


def seed_history(count: int = 900) -> None:
    """About a year of cases, handled as they would have been (some late, some open, some
    returned, a few callers not satisfied), through the services with their past times."""
    import random
    from datetime import timedelta

    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.models import Action, User, utcnow
    from app.sqlite import writing
    from dispatch import intake, lifecycle

    app = create_app()
    rng = random.Random(12319)
    with app.app_context():
        users = {u.username: u for u in db.session.scalars(select(User))}
        now = utcnow()
        weights = [w for *_, w in HISTORY]
        for _ in range(count):
            category, text, district, _weight = rng.choices(HISTORY, weights)[0]
            at = now - timedelta(days=380 * rng.random() ** 1.3, minutes=rng.randint(0, 600))
            body = {
                "channel": rng.choice(["phone"] * 6 + ["web", "web", "letter", "sms"]),
                "caller_phone": f"1390000{rng.randint(0, 3999):04d}",
                "caller_name": "市民",
                "category": category,
                "description": text,
                "address": f"幸福路{rng.randint(1, 60)}号",
                "district": district,
            }
            with writing():
                case = intake.register_case(body, users["operator1"], at)
                db.session.flush()
                _handle(case, at, now, rng, users, lifecycle, Action)
                db.session.commit()


def _handle(case, at, now, rng, users, lifecycle, action) -> None:
    from datetime import timedelta

    if case.department is None:
        return
    handler = users[case.department.code + "1"]
    step = at + timedelta(hours=rng.uniform(0.2, 12))
    if step > now:
        return
    if rng.random() < 0.05:
        lifecycle.act(case, action.RETURN, handler, step, {"reason": "不属于本单位职责"})
        step += timedelta(hours=2)
        dispatch = {"department": case.category.default_department.code}
        lifecycle.act(case, action.DISPATCH, users["operator1"], step, dispatch)
    lifecycle.act(case, action.ACCEPT, handler, step)
    step += timedelta(hours=rng.expovariate(1 / 40))
    if step > now:
        return
    lifecycle.act(case, action.REPLY, handler, step, {"text": "已处理完毕。"})
    step += timedelta(hours=rng.uniform(1, 30))
    if step <= now:
        lifecycle.act(case, action.APPROVE_REPLY, users["operator1"], step)  # 回复审核
        satisfied = rng.random() < 0.9
        lifecycle.act(case, action.CALLBACK, users["operator1"], step, {"satisfied": satisfied})


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "HOTLINE_DATABASE_URL": f"sqlite:///{tmp}/shots.db",
            "HOTLINE_SCHEDULER_IN_SERVER": "0",
            "HOTLINE_REDIS_URL": "",
        }
        subprocess.run([BIN / "hotline", "init", "--demo"], env=env, check=True)
        token = subprocess.run(
            [BIN / "hotline", "token", "operator1"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        water = subprocess.run(
            [BIN / "hotline", "token", "water1"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        port = free_port()
        server = subprocess.Popen(
            [BIN / "hotline", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_listening(port)
            base = f"http://127.0.0.1:{port}"
            numbers = _cases(base, token, water)
            subprocess.run(
                [BIN / "hotline", "sweep", "--now", "2026-12-31T00:00:00+08:00"],
                env=env,
                check=True,
                capture_output=True,
            )
            subprocess.run(  # the receipts go out (console backend) before the pictures
                [BIN / "hotline", "send-sms"], env=env, check=True, capture_output=True
            )
            _shoot(base, numbers)
            _shoot_public(base, _closed_case(base, token, water))
            # a year of history (after the other pictures, which show today's few cases)
            subprocess.run([sys.executable, __file__, "--history"], env=env, check=True)
            _shoot_stats(base)
        finally:
            server.terminate()
            server.wait(timeout=10)


def _cases(base: str, token: str, water: str) -> list[str]:
    numbers = []
    for phone, category, text, address, district in CASES:
        body = {
            "channel": "phone",
            "caller_phone": phone,
            "caller_name": "张先生",
            "category": category,
            "description": text,
            "address": address,
            "district": district,
        }
        answer = requests.post(
            base + "/api/v1/cases",
            json=body,
            timeout=10,
            headers={"Authorization": f"Bearer {token}"},
        )
        numbers.append(answer.json()["number"])
    handler = {"Authorization": f"Bearer {water}"}
    requests.post(f"{base}/api/v1/cases/{numbers[0]}/accept", headers=handler, timeout=10)
    return numbers


def _shoot(base: str, numbers: list[str]) -> None:
    shots = [
        ("operator1", "/desk/board", "board"),
        ("operator1", "/cases/new?phone=13812341234", "intake"),
        ("operator1", f"/cases/{numbers[0]}", "case"),
        ("operator1", "/cases/", "cases"),
        ("water1", "/desk/department", "department-desk"),
        ("supervisor1", "/desk/supervisor", "supervisor-desk"),
        ("admin", "/admin/categories", "admin-categories"),
        ("admin", "/admin/sms/", "admin-sms"),
        ("admin", "/admin/sms/templates", "admin-sms-templates"),
        ("admin", "/admin/users", "admin-users"),
        ("admin", "/admin/audit", "admin-audit"),
    ]
    for username, path, name in shots:
        driver = chromium(1400, 900)
        try:
            log_in(driver, base, username)
            driver.get(base + path)
            time.sleep(1.0)
            driver.save_screenshot(str(OUT / f"{name}.png"))
        finally:
            driver.quit()
        print("saved", OUT / f"{name}.png")


def _shoot_stats(base: str) -> None:
    """The dashboard and the monthly report (whole pages), and /public at a phone's width."""
    shots = [
        ("/stats/?period=this_year&by=department", "stats", 1400, 2300),
        ("/stats/monthly", "stats-monthly", 1000, 3000),
    ]
    for path, name, width, height in shots:
        driver = chromium(width, height)
        try:
            log_in(driver, base, "supervisor1")
            time.sleep(0.5)
            driver.get(base + path)
            _save(driver, name)
        finally:
            driver.quit()
    driver = chromium(412, 1600)
    try:
        driver.get(base + "/public")
        _save(driver, "public-stats")
    finally:
        driver.quit()


def _closed_case(base: str, token: str, water: str) -> str:
    """A case answered and closed, for the public lookup (caller's number ends in 5566)."""
    operator = {"Authorization": f"Bearer {token}"}
    handler = {"Authorization": f"Bearer {water}"}
    body = {
        "channel": "phone",
        "caller_phone": "13511225566",
        "caller_name": "李女士",
        "category": "water.pressure",
        "description": "五楼水压太低,白天几乎没有水。",
        "address": "光明小区7栋",
        "district": "北区",
    }
    number = requests.post(base + "/api/v1/cases", json=body, headers=operator, timeout=10)
    number = number.json()["number"]
    reply = "经检查为小区二次供水泵故障,已于今日更换水泵,五楼水压恢复正常。"
    for path, params, headers in (
        ("accept", {}, handler),
        ("reply", {"text": reply}, handler),
        ("approve_reply", {}, operator),  # 回复审核
        ("callback", {"satisfied": True}, operator),
    ):
        requests.post(
            f"{base}/api/v1/cases/{number}/{path}", json=params, headers=headers, timeout=10
        )
    return number


def _shoot_public(base: str, number: str) -> None:
    """The citizens' pages at a phone's width: a found case, the report form, a receipt."""
    from selenium.webdriver.common.by import By

    driver = chromium(412, 1000)
    try:
        driver.get(f"{base}/track?number={number}&phone_last4=5566")
        _save(driver, "public-track")
        driver.get(base + "/report")
        _save(driver, "public-report")
        driver.set_window_size(412, 640)
        form = {
            "caller_phone": "13600003333",
            "description": "小区门口的路灯坏了一个星期,晚上很黑。",
            "address": "和平街12号",
            "district": "西城区",
        }
        for name, value in form.items():
            driver.find_element(By.NAME, name).send_keys(value)
        category = "select[name=category] option[value='roads.streetlight']"
        driver.find_element(By.CSS_SELECTOR, category).click()
        driver.find_element(By.CSS_SELECTOR, "button.primary").click()
        _save(driver, "public-received")
    finally:
        driver.quit()


def _save(driver, name: str) -> None:
    time.sleep(0.5)
    driver.save_screenshot(str(OUT / f"{name}.png"))
    print("saved", OUT / f"{name}.png")


if __name__ == "__main__":
    seed_history() if sys.argv[1:] == ["--history"] else main()
