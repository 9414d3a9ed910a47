"""统计口径: the definitions of the statistics' figures, for README.md and the pages
(figure, Chinese name, definition). The definitions are English messages marked for
extraction (`N_`), translated where they are shown (`shown`)."""

from __future__ import annotations

from collections.abc import Callable

from app.i18n import N_
from dispatch.rollup import BUCKET_EDGES

DEFINITIONS: list[tuple[str, str, str]] = [
    (
        "cohort",
        "统计口径",
        N_(
            "Every figure is about the cases registered (created_at, in the hotline's time zone "
            "HOTLINE_TIMEZONE) on the period's days, start and end included, as they stand now. "
            "A case marked duplicate (重复件) is left out: it counts once, through its original."
        ),
    ),
    ("received", "受理量", N_("Cases registered in the period.")),
    (
        "closed",
        "办结量",
        N_(
            "Of those, the cases closed or archived now; a reopened or reworked case counts again "
            "only once it is closed again. A case answered on the call (直接答复) is closed."
        ),
    ),
    ("closure_rate", "办结率", N_("closed / received (none when nothing was received).")),
    (
        "replied",
        "已反馈",
        N_(
            "Cases with a department's reply in force (a reopen or rework withdraws the reply "
            "until the department replies again). An answer on the call is not a department's "
            "reply and is not counted here."
        ),
    ),
    (
        "replied_on_time",
        "按时反馈",
        N_(
            "Replied at or before the reply deadline in force at the reply (approved extensions "
            "and paused time included; a reply exactly at the deadline is on time)."
        ),
    ),
    (
        "on_time_rate",
        "反馈及时率",
        N_("replied_on_time / replied (none when nothing was replied)."),
    ),
    (
        "overdue_open",
        "超期未办结",
        N_(
            "Cases still waiting for their department's reply (registered, dispatched or "
            "accepted) whose reply deadline has passed at the moment asked; a case replied and "
            "waiting for its callback is not counted (its deadline was met or missed already)."
        ),
    ),
    (
        "avg_reply_hours",
        "平均反馈时长",
        N_(
            "Mean of reply − registration over the replied cases, in hours (each time taken to "
            "the whole second)."
        ),
    ),
    (
        "p90_reply_hours",
        "反馈时长90分位",
        N_(
            "The 90th percentile of reply − registration, in hours, read from a histogram: "
            "the time by which nine in ten of the replied cases were replied, interpolated "
            "linearly inside its bucket. Bucket edges (hours): %(edges)s. The rank is 0.9 × "
            "the replies; in the bucket [low, high) where the running count first reaches it: "
            "low + (high − low) × (rank − count below) / count in the bucket. Exact to within "
            "the bucket's width: 1 hour up to 2 hours, 2–4 hours up to 12, 12 hours up to 72, "
            "1 day up to 7 days, 2–9 days up to 30 days, 30 days up to "
            "90; at or beyond 90 days it is given as 2160."
        ),
    ),
    (
        "returns",
        "退回次数",
        N_("Return actions (退回 events of the history) on those cases, each return counted."),
    ),
    (
        "rated",
        "已回访",
        N_(
            "Cases whose callback was answered (by the operator or by the caller's SMS); the "
            "latest answer counts, once a case."
        ),
    ),
    (
        "satisfied",
        "满意",
        N_("Rated cases whose latest answer is satisfied (basically satisfied too)."),
    ),
    ("satisfaction_rate", "满意率", N_("satisfied / rated (none when nothing was rated).")),
    (
        "transferred_out",
        "转出量",
        N_(
            "Of those, the cases passed on to another hotline (transfer_out; closed here, so "
            "counted in closed too); a case taken back by a reopen no longer counts."
        ),
    ),
    (
        "department",
        "承办部门",
        N_(
            "The case's lead department now (after transfers); a case returned and not yet "
            "dispatched again counts under no department."
        ),
    ),
]


def shown(translate: Callable[[str], str]) -> list[tuple[str, str, str]]:
    """The definitions (figure, Chinese name, text), each text passed through `translate`
    (the page's gettext) and the histogram's bucket edges filled in."""
    edges = ", ".join(str(edge) for edge in BUCKET_EDGES)
    return [(key, name, translate(text) % {"edges": edges}) for key, name, text in DEFINITIONS]
