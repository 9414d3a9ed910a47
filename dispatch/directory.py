"""Departments, categories and users: lookups by code and the admin's changes to them."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from app import logins
from app.extensions import db
from app.i18n import N_
from app.models import Category, Department, Role, User
from dispatch import catalog, phones, routing, settings
from dispatch.errors import NotFound, ValidationFailed
from dispatch.fields import FieldErrors, choice, clean_text, text

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,31}$")


def department_by_code(code: object, field: str = "department") -> Department:
    """An active department by code; raises ValidationFailed naming `field`."""
    dept = None
    if _lookup_code(code):
        dept = db.session.scalar(select(Department).where(Department.code == code))
    if dept is None or not dept.active:
        raise ValidationFailed({field: N_("unknown department")})
    return dept


def category_by_code(code: object, field: str = "category") -> Category:
    """An active category by code (from this process's snapshot of the tree, dispatch.catalog);
    raises ValidationFailed naming `field`."""
    cat = None
    if _lookup_code(code):
        cat = catalog.category(code)
    if cat is None or not cat.active:
        raise ValidationFailed({field: N_("unknown category")})
    return cat


def _lookup_code(code: object) -> bool:
    """Only plausible codes reach the database (no NUL bytes, no lone surrogates)."""
    return isinstance(code, str) and len(code) <= 32 and clean_text(code) is not None


def list_departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.code)))


def list_categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.code)))


def _code(data: dict, errors: FieldErrors) -> str:
    code = text(data, "code", errors, required=True, max_length=32)
    if code and not CODE_PATTERN.match(code):
        errors.add("code", N_("use lowercase letters, digits, '-', '_' or '.'"))
    return code


def _optional_phone(data: dict, name: str, errors: FieldErrors) -> str | None:
    raw = text(data, name, errors, max_length=40)
    if not raw:
        return None
    try:
        return phones.normalize(raw, settings.phone_region())
    except phones.InvalidPhone:
        errors.add(name, N_("not a valid phone number"))
        return None


def save_department(data: dict, department: Department | None = None) -> Department:
    """Create or update a department from form or JSON data; raises ValidationFailed."""
    errors = FieldErrors()
    code = _code(data, errors)
    name = text(data, "name", errors, required=True, max_length=100)
    name_en = text(data, "name_en", errors, max_length=100)
    oncall = _optional_phone(data, "oncall_phone", errors)
    head = _optional_phone(data, "head_phone", errors)
    clash = db.session.scalar(select(Department).where(Department.code == code))
    if clash is not None and clash is not department:
        errors.add("code", N_("already used"))
    errors.raise_if_any()
    department = department or Department()
    department.code, department.name, department.name_en = code, name, name_en
    department.oncall_phone, department.head_phone = oncall, head
    department.active = _checked(data, "active")
    db.session.add(department)
    routing.note_change()  # every process reads its departments again (dispatch.catalog)
    db.session.flush()
    return department


def save_category(data: dict, category: Category | None = None) -> Category:
    """Create or update a category node; raises ValidationFailed."""
    errors = FieldErrors()
    code = _code(data, errors)
    name = text(data, "name", errors, required=True, max_length=100)
    name_en = text(data, "name_en", errors, max_length=100)
    parent = _optional_ref(data, "parent", Category, errors)
    dept = _optional_ref(data, "default_department", Department, errors)
    clash = db.session.scalar(select(Category).where(Category.code == code))
    if clash is not None and clash is not category:
        errors.add("code", N_("already used"))
    if category is not None and parent is not None and category in parent.path():
        errors.add("parent", N_("would make a loop"))
    errors.raise_if_any()
    category = category or Category()
    category.code, category.name, category.name_en = code, name, name_en
    category.parent, category.default_department = parent, dept
    category.is_emergency = _checked(data, "is_emergency", default=False)
    category.active = _checked(data, "active")
    db.session.add(category)
    routing.note_change()  # rules match a category's subtree: the tree may have changed
    db.session.flush()
    return category


def _checked(data: dict, name: str, default: bool = True) -> bool:
    """A flag from JSON (true/false) or a form (a checkbox, followed by a hidden "0")."""
    if name not in data:
        return default
    return data[name] in (True, "true", "1", "on", "y")


def _optional_ref(data: dict, name: str, model: type, errors: FieldErrors):
    code = data.get(name)
    if not code:
        return None
    found = None
    if _lookup_code(code):
        found = db.session.scalar(select(model).where(model.code == code))
    if found is None:
        errors.add(name, N_("unknown code"))
    return found


def create_user(data: dict, *, temporary_password: bool = False) -> User:
    """Create a user with a role (a handler needs a department); raises ValidationFailed.
    `temporary_password`: an administrator chose it, so the user changes it at the first
    login (the command line's first administrator chooses their own)."""
    errors = FieldErrors()
    username = text(data, "username", errors, required=True, max_length=64)
    display_name, role, dept, phone = _profile(data, errors)
    password = _new_password(data, errors)
    if (
        username
        and "username" not in errors.errors
        and db.session.scalar(select(User).where(User.username == username))
    ):
        errors.add("username", N_("already used"))
    errors.raise_if_any()
    user = User(username=username, display_name=display_name or username, role=role, phone=phone)
    user.department = dept if role == Role.HANDLER else None
    user.set_password(password)
    user.password_change_required = temporary_password
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user: User, data: dict) -> User:
    """Change a user's name, role, department and mobile (编辑用户: a handler moved to
    another department, a typo). Their pages follow at the next request; their open live
    connections are closed at the next check and reconnect to the new role's and
    department's events (app/live.py). The last active administrator keeps the role.
    Raises ValidationFailed naming the fields; changes nothing then."""
    errors = FieldErrors()
    display_name, role, dept, phone = _profile(data, errors)
    if role is not None and role != Role.ADMIN and _the_last_admin(user):
        errors.add("role", N_("the last active administrator keeps the role"))
    errors.raise_if_any()
    user.display_name = display_name or user.username
    user.role = role
    user.department = dept if role == Role.HANDLER else None
    user.phone = phone
    return user


def _profile(data: dict, errors: FieldErrors) -> tuple:
    """A user's name, role, department (a handler's) and mobile, from a form."""
    display_name = text(data, "display_name", errors, max_length=100)
    role = choice(data, "role", Role, errors)
    dept = _optional_ref(data, "department", Department, errors)
    phone = _optional_phone(data, "phone", errors)
    if role == Role.HANDLER and dept is None:
        errors.add("department", N_("a handler belongs to a department"))
    return display_name, role, dept, phone


def _the_last_admin(user: User) -> bool:
    """Whether `user` is the one active administrator (then no one could manage users)."""
    if user.role != Role.ADMIN or not user.active:
        return False
    others = select(User.id).where(User.role == Role.ADMIN, User.active, User.id != user.id)
    return db.session.scalar(others.limit(1)) is None


def change_password(user: User, data: dict, now: datetime, keep_login: str | None) -> None:
    """A user's own change (修改密码): the current password, the new one twice. The user's
    other web logins end (a password changed because it leaked shuts out whoever used
    it); `keep_login`, the login it was changed in, goes on. Raises ValidationFailed
    naming the fields; changes nothing then."""
    errors = FieldErrors()
    current = data.get("current_password")
    if not isinstance(current, str) or not user.check_password(current):
        errors.add("current_password", N_("is not your password"))
    password = _new_password(data, errors)
    if "password" not in errors.errors and data.get("password_again") != password:
        errors.add("password_again", N_("does not match the new password"))
    errors.raise_if_any()
    user.set_password(password)
    user.password_change_required = False
    logins.end_all_of(user, now, keep=keep_login)


def reset_password(user: User, data: dict, now: datetime) -> User:
    """An administrator sets a user's password (重置密码: forgotten, or taken over): every
    web login of that user ends, and the user changes it at the next login. Raises
    ValidationFailed naming the field."""
    errors = FieldErrors()
    password = _new_password(data, errors)
    errors.raise_if_any()
    user.set_password(password)
    user.password_change_required = True
    logins.end_all_of(user, now)
    return user


PASSWORD_MIN = 8


def _new_password(data: dict, errors: FieldErrors) -> str:
    password = data.get("password") or ""
    if not isinstance(password, str) or len(password) < PASSWORD_MIN:
        errors.add("password", N_("must be at least 8 characters"))
        return ""
    if len(password) > 128 or any(char < " " or char == "\x7f" for char in password):
        errors.add("password", N_("must be at most 128 characters, without control characters"))
        return ""
    return password


def user_named(username: str) -> User:
    """The user with this user name; raises NotFound."""
    user = None
    if clean_text(username) is not None:
        user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username}")
    return user


def set_user_active(username: str, active: bool, now: datetime) -> User:
    """Enable or disable a user; a disabled user's web logins end (enabled again, they
    log in anew). The last active administrator stays enabled. Raises NotFound or
    ValidationFailed."""
    user = user_named(username)
    if not active and _the_last_admin(user):
        raise ValidationFailed({"active": N_("the last active administrator stays enabled")})
    user.active = active
    if not active:
        logins.end_all_of(user, now)
    return user


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.role, User.username)))
