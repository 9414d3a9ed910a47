"""The web pages' sessions: Flask's signed cookies, without the work for a request that
carries no session cookie."""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class CookieSessions(SecureCookieSessionInterface):
    """Flask's own cookie sessions. A request without the session cookie (the API's,
    with a token) starts an empty session without building the cookie's signer first,
    as Flask does for every request (2% of an intake's time); a session that stays empty
    sets no cookie, as before."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)
