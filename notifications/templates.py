"""SMS texts by event (Chinese), filled from a case; the sender is named in every text."""

from __future__ import annotations

SENDER = "【12319热线】"

DEFAULTS = {
    "escalation_1": "工单{number}({category})将于{deadline}到期,请抓紧办理。",
    "escalation_2": "工单{number}({category})已超期未反馈,已启动督办,请立即办理并回复。",
    "escalation_3": "工单{number}({category})严重超期,已报热线领导,请立即办理。",
}


def render(name: str, **values: str) -> str:
    """The text of template `name` with `values` filled in, the sender in front."""
    return SENDER + DEFAULTS[name].format(**values)
