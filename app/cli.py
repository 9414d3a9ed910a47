"""The `hotline` command line (also `flask --app app ...`)."""

from __future__ import annotations

import logging
import os

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from app.extensions import db


def init_app(app: Flask) -> None:
    for command in (
        init_command,
        serve_command,
        scheduler_command,
        sweep_command,
        send_sms_command,
        stats_rebuild_command,
        user_group,
        token_command,
        open311_key_command,
    ):
        app.cli.add_command(command)


@click.command("init")
@click.option("--demo", is_flag=True, help="Add demo departments, categories and users.")
@with_appcontext
def init_command(demo: bool) -> None:
    """Create or upgrade the database to the newest migration."""
    from flask_migrate import upgrade

    from app import demo as demo_data
    from app.sqlite import writing

    with writing():
        upgrade()
        if demo:
            demo_data.seed()
            db.session.commit()
    _fill_statistics()
    click.echo(f"database ready: {db.engine.url.render_as_string(hide_password=True)}")
    if demo:
        click.echo("demo data in place; logins are listed in README.md")


def _fill_statistics() -> None:
    """After an upgrade that added the rollup to a database with cases: fill it once."""
    from sqlalchemy import select

    from app.models import Case, StatsDaily, StatsDelta
    from dispatch import jobs

    empty = db.session.scalar(select(StatsDaily.dim).limit(1)) is None
    empty = empty and db.session.scalar(select(StatsDelta.id).limit(1)) is None
    if empty and db.session.scalar(select(Case.id).limit(1)) is not None:
        click.echo(f"statistics rollup filled: {jobs.rebuild_statistics():,} rows")
    db.session.rollback()


@click.command("stats-rebuild")
@with_appcontext
def stats_rebuild_command() -> None:
    """Recompute the statistics rollup from the cases stored."""
    import time

    from dispatch import jobs

    started = time.perf_counter()
    rows = jobs.rebuild_statistics()
    click.echo(f"statistics rollup rebuilt: {rows:,} rows in {time.perf_counter() - started:.1f} s")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Run the web server with Socket.IO (and, embedded, the scheduler)."""
    from app.extensions import socketio
    from app.heap import freeze_start_up
    from app.logmasking import mask_request_log

    app = current_app._get_current_object()
    if app.config["SCHEDULER_IN_SERVER"]:
        from dispatch import scheduler

        scheduler.build(app).start()
        click.echo("scheduler running in this process")
    click.echo(f"Hotline on http://{host}:{port}/")
    freeze_start_up()
    mask_request_log()  # request lines carry callers' numbers (the intake's caller lookup)
    # Flask's app.run() refuses to start under the flask CLI; this command is the server.
    os.environ.pop("FLASK_RUN_FROM_CLI", None)
    socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False)


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run only the scheduler (production: exactly one of these)."""
    from dispatch import scheduler

    app = current_app._get_current_object()
    # Its log says what each run did (escalations, texts sent) and when the clock stepped.
    logging.basicConfig(
        level=app.config["SCHEDULER_LOG_LEVEL"],
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    click.echo(f"scheduler: escalation sweep every {app.config['SWEEP_INTERVAL_SECONDS']} s")
    scheduler.build(app, blocking=True).start()


@click.command("sweep")
@click.option("--now", "at", help="Sweep as if at this ISO 8601 time (with offset).")
@with_appcontext
def sweep_command(at: str | None) -> None:
    """Run one escalation sweep now and print what it escalated."""
    from datetime import datetime

    from dispatch import jobs

    now = None
    if at:
        try:
            now = datetime.fromisoformat(at)
        except ValueError as exc:
            raise click.BadParameter("an ISO 8601 time, e.g. 2026-11-26T09:00+08:00") from exc
        if now.tzinfo is None:
            raise click.BadParameter("give the time with its UTC offset, e.g. +08:00")
    done = jobs.escalate_due_cases(now)
    for item in done:
        click.echo(f"{item.number}\tlevel {item.level}\t{item.department or '-'}")
    click.echo(f"escalated {len(done)} case level(s)")
    for number in jobs.resume_due_pauses(now):
        click.echo(f"{number}\tpause ended\t-")
    for missed in jobs.flag_missed_acceptance(now):
        click.echo(f"{missed.number}\tnot accepted in time\t{missed.department or '-'}")


@click.command("send-sms")
@click.option("--loop", is_flag=True, help="Keep sending as messages come due, until stopped.")
@click.option("--poll", default=1.0, show_default=True, help="Seconds between rounds with --loop.")
@with_appcontext
def send_sms_command(loop: bool, poll: float) -> None:
    """Send what is due in the SMS outbox and print the tally (an outbox worker: run as many
    as needed; together they keep each sender number's rate)."""
    import time

    from dispatch import jobs
    from notifications.gateway import from_config

    gateway = from_config(current_app.config)
    while True:
        tally = jobs.send_outbox(gateway)
        if tally.handled or not loop:
            click.echo(
                f"sent {tally.sent}, recovered {tally.recovered}, retrying {tally.retried}, "
                f"failed {tally.failed}, cancelled {tally.cancelled}"
            )
        if not loop:
            return
        time.sleep(poll)


@click.group("user")
def user_group() -> None:
    """Manage users."""


@user_group.command("create")
@click.argument("name")
@click.option(
    "--role", required=True, type=click.Choice(["operator", "handler", "supervisor", "admin"])
)
@click.option("--department", help="Department code (handlers).")
@click.option("--password", help="Password (asked for when not given).")
@click.option("--display-name", default="", help="Name shown on pages.")
@click.option("--phone", default="", help="Mobile number (supervisors: overdue texts).")
@with_appcontext
def create_user_command(name, role, department, password, display_name, phone) -> None:
    """Create a user."""
    from app.sqlite import writing
    from dispatch import directory
    from dispatch.errors import ValidationFailed

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    data = {
        "username": name,
        "role": role,
        "department": department,
        "password": password,
        "display_name": display_name,
        "phone": phone,
    }
    with writing():
        try:
            user = directory.create_user(data)
        except ValidationFailed as exc:
            db.session.rollback()
            for field, message in exc.fields.items():
                click.echo(f"{field}: {message}", err=True)
            raise SystemExit(2) from exc
        db.session.commit()
    click.echo(f"created {user.username} ({user.role})")


@click.command("token")
@click.argument("name")
@click.option("--revoke", is_flag=True, help="Revoke every token of that user instead.")
@with_appcontext
def token_command(name: str, revoke: bool) -> None:
    """Print a new API token for that user (or, with --revoke, revoke all of theirs)."""
    from sqlalchemy import select

    from app.auth import issue_token, revoke_tokens
    from app.models import User, utcnow
    from app.sqlite import writing

    with writing():
        user = db.session.scalar(select(User).where(User.username == name))
        if user is None:
            raise click.ClickException(f"no user {name}")
        if revoke:
            done = revoke_tokens(user, utcnow())
            db.session.commit()
            click.echo(f"revoked {done} token(s) of {name}")
            return
        token = issue_token(user)
        db.session.commit()
    click.echo(token)


@click.command("open311-key")
@click.argument("name")
@with_appcontext
def open311_key_command(name: str) -> None:
    """Issue an Open311 api_key for the client system NAME and print it (shown once)."""
    from app.models import utcnow
    from app.sqlite import writing
    from dispatch import open311_keys
    from dispatch.errors import ValidationFailed

    with writing():
        try:
            _row, key = open311_keys.issue_key(name, utcnow())
        except ValidationFailed as exc:
            db.session.rollback()
            raise click.ClickException(f"name: {exc.fields['name']}") from exc
        db.session.commit()
    click.echo(key)


def create_cli_app() -> Flask:
    from app import create_app

    return create_app()


@click.group(
    cls=FlaskGroup,
    create_app=create_cli_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
)
def main() -> None:
    """Hotline: case management for a city service hotline."""
