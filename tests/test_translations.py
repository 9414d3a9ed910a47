"""The Chinese catalog covers every message in the code, so `make translations` (extract,
then update) keeps every translation and the pages show no English in zh_CN."""

from __future__ import annotations

from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "app/translations/zh/LC_MESSAGES/messages.po"


def _extracted(tmp_path: Path):
    """The messages of the code, extracted as `make translations` does."""
    template = tmp_path / "messages.pot"
    command = ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg")]
    command += ["-k", "lazy_gettext", "-k", "N_", "-k", "Message", "-o", str(template), str(ROOT)]
    CommandLineInterface().run(command)
    with template.open("rb") as source:
        return read_po(source)


def test_every_message_of_the_code_has_its_chinese_and_none_is_left_over(tmp_path):
    code = _extracted(tmp_path)
    with CATALOG.open("rb") as source:
        chinese = read_po(source, locale="zh")
    wanted = {message.id for message in code if message.id}
    held = {message.id for message in chinese if message.id}
    assert sorted(map(str, wanted - held)) == []  # would show in English
    assert sorted(map(str, held - wanted)) == []  # `make translations` would drop them
    untranslated = [m.id for m in chinese if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []


def test_placeholders_match_in_every_translation():
    with CATALOG.open("rb") as source:
        chinese = read_po(source, locale="zh")
    problems = [(message.id, errors) for message, errors in chinese.check()]
    assert problems == []


def test_marked_data_is_shown_in_chinese(app):
    from flask_babel import force_locale, gettext

    from dispatch import stats_definitions
    from notifications.templates import TEMPLATES

    with app.test_request_context(), force_locale("zh"):
        shown = dict((key, text) for key, _name, text in stats_definitions.shown(gettext))
        assert shown["received"] == "统计期间登记的工单数。"
        assert "分段边界(小时):1, 2, 4," in shown["p90_reply_hours"]
        assert gettext(TEMPLATES["receipt"].title) != TEMPLATES["receipt"].title
