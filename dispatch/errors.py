"""Domain errors raised by the services; entry points map them to answers."""

from __future__ import annotations


class HotlineError(Exception):
    """Base of the domain errors; `code` is the machine-readable name."""

    code = "error"

    def __init__(self, message: str, **details) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ValidationFailed(HotlineError):
    """One or more fields are missing or invalid (422); `fields` names them."""

    code = "invalid"

    def __init__(self, fields: dict[str, str], message: str = "invalid input") -> None:
        super().__init__(message, fields=fields)
        self.fields = fields


class NotFound(HotlineError):
    """The thing does not exist or the actor may not see it (404)."""

    code = "not_found"


class NotAllowed(HotlineError):
    """The actor's role does not allow this (403 on the page, 409 for case actions)."""

    code = "forbidden"


class InvalidTransition(HotlineError):
    """The case's state does not allow this action (409)."""

    code = "invalid_transition"


class Duplicate(HotlineError):
    """The same thing was sent before (409); `number` names the case that has it."""

    code = "duplicate"

    def __init__(self, message: str, number: str) -> None:
        super().__init__(message, number=number)
        self.number = number
