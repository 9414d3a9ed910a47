"""The services' field errors and refusals are marked for translation (`N_` or `Message`,
app/i18n.py), so a page can show them in its language: a plain or formatted string
literal handed to `errors.add`, `ValidationFailed`, `InvalidTransition` or `NotAllowed`
would reach a Chinese page in English."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = [*ROOT.glob("dispatch/*.py"), *ROOT.glob("notifications/*.py")]
REFUSALS = {"InvalidTransition", "NotAllowed", "Duplicate"}


def _literal(node: ast.expr) -> bool:
    """A message written as it is: a string, an f-string, or one built with + or %."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, ast.JoinedStr):
        return True
    return isinstance(node, ast.BinOp) and (_literal(node.left) or _literal(node.right))


def _unmarked(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        messages: list[ast.expr] = []
        if name == "add" and isinstance(func, ast.Attribute) and len(node.args) == 2:
            messages = [node.args[1]]  # FieldErrors.add(field, message)
        elif name == "ValidationFailed" and node.args and isinstance(node.args[0], ast.Dict):
            messages = list(node.args[0].values)
        elif name in REFUSALS and node.args:
            messages = [node.args[0]]
        lines += [message.lineno for message in messages if _literal(message)]
    return lines


def test_every_service_message_is_marked_for_translation():
    found = {}
    for path in SERVICES:
        lines = _unmarked(ast.parse(path.read_text(), str(path)))
        if lines:
            found[str(path.relative_to(ROOT))] = lines
    assert found == {}
