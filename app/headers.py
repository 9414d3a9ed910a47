"""Security headers on every answer: the pages load only what this server serves (as
operators' closed networks need anyway), run no script of anyone else's, and are not
framed by another site (clickjacking); addresses with case numbers and the public
lookup's digits do not leak to other sites in the Referer."""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # style attributes (charts size their boxes)
        "img-src 'self' data: blob:",
        "connect-src 'self'",  # Socket.IO: same origin, its WebSocket too
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
