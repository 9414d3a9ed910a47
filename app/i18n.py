"""Languages: Chinese first (zh_CN), English available; the choice is kept in the session."""

from __future__ import annotations

from flask import Flask, current_app, request, session
from flask_babel import refresh

from app.extensions import babel


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories="translations",
    )

    @app.before_request
    def _fresh_locale():
        # The locale is cached on the app context, which a test may share across requests.
        refresh()

    @app.context_processor
    def _languages():
        return {"current_lang": select_locale(), "request_path": request.path}


def N_(message: str) -> str:
    """Marks a message kept in data for extraction (`make translations` extracts `N_`); it
    is translated where it is shown, with gettext."""
    return message


class Message(str):
    """A message of the services with its parameters: as a string it is the English text
    (what the JSON API answers and the logs say); a page shows it in its own language
    (app/web/messages.py). `make translations` extracts the msgid (`Message` is a
    keyword)."""

    msgid: str
    params: dict

    def __new__(cls, msgid: str, **params) -> Message:
        message = super().__new__(cls, msgid % params if params else msgid)
        message.msgid, message.params = msgid, params
        return message
