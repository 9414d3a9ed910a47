"""The hotline's vocabularies, stored as lowercase strings."""

from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"  # 话务员
    HANDLER = "handler"  # 承办人
    SUPERVISOR = "supervisor"  # 督办员
    ADMIN = "admin"  # 管理员


class Channel(StrEnum):
    PHONE = "phone"  # 来电
    VISIT = "visit"  # 来访
    LETTER = "letter"  # 来信
    WEB = "web"  # 网络
    SMS = "sms"  # 短信
    TRANSFER = "transfer"  # 其他热线转入


class Priority(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"
    EMERGENCY = "emergency"


class Status(StrEnum):
    REGISTERED = "registered"  # 已登记
    DISPATCHED = "dispatched"  # 已交办
    ACCEPTED = "accepted"  # 已签收
    REPLIED = "replied"  # 已反馈
    CLOSED = "closed"  # 已办结
    ARCHIVED = "archived"  # 已备案


OPEN_STATUSES = (Status.REGISTERED, Status.DISPATCHED, Status.ACCEPTED, Status.REPLIED)


class Action(StrEnum):
    REGISTER = "register"  # 登记
    DISPATCH = "dispatch"  # 交办
    ACCEPT = "accept"  # 签收
    REPLY = "reply"  # 反馈
    APPROVE_REPLY = "approve_reply"  # 审核通过 (the reply is released to the caller)
    REWORK = "rework"  # 退回重办 (the reply is sent back to the department)
    RETURN = "return"  # 退回
    TRANSFER = "transfer"  # 转办
    CALLBACK = "callback"  # 回访
    CLOSE = "close"  # 办结
    REOPEN = "reopen"  # 重办
    ARCHIVE = "archive"  # 备案
    SUPERVISE = "supervise"  # 督办
    EXTEND = "extend"  # 申请延期
    APPROVE_EXTENSION = "approve_extension"  # 批准延期
    REFUSE_EXTENSION = "refuse_extension"  # 驳回延期
    MARK_DUPLICATE = "mark_duplicate"  # 重复件
    ANSWER_ON_CALL = "answer_on_call"  # 直接答复
    ESCALATE = "escalate"  # 升级 (临期 / 超期 / 严重超期), by the sweep
    ANSWER_NOTICE = "answer_notice"  # 督办回复
    ACCEPT_OVERDUE = "accept_overdue"  # 超时未签收, by the sweep
    ASSIST_OPINION = "assist_opinion"  # 协办意见
    PAUSE = "pause"  # 暂停计时 (waiting on the caller)
    RESUME = "resume"  # 恢复计时
    FOLLOW_UP = "follow_up"  # 市民补充 (an SMS from the caller on an open case)
    TRANSFER_OUT = "transfer_out"  # 转出: passed on to another hotline (closed here)


class NoticeStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    CANCELLED = "cancelled"  # the number opted out before it was sent
