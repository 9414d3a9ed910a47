"""The OpenAPI 3 document of the JSON API, served at /api/v1/openapi.json."""

from __future__ import annotations

from app.api import bp
from app.models import Channel, Priority, Status
from dispatch.duplicates import SAME_PHONE, SAME_PLACE
from dispatch.tracking import STEPS as PUBLIC_STEPS
from dispatch.transitions import TRANSITIONS

ACTIONS = [action.value for action in TRANSITIONS]
DUPLICATE_REASONS = [SAME_PHONE, SAME_PLACE]
NULLABLE_TIME = {"type": "string", "format": "date-time", "nullable": True}


def _error_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _json(ref: str, description: str = "OK") -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


ERRORS = {
    "400": _error_response("malformed request"),
    "401": _error_response("no valid token or session"),
    "422": _error_response("invalid fields, named in error.fields"),
}

CASE_SCHEMA = {
    "type": "object",
    "required": [
        "number",
        "channel",
        "status",
        "priority",
        "category",
        "department",
        "assist_departments",
        "caller_phone",
        "description",
        "address",
        "district",
        "created_at",
        "due_at",
        "onsite_due_at",
        "replied_at",
        "closed_at",
        "escalation_level",
        "satisfied",
    ],
    "properties": {
        "number": {"type": "string", "example": "R2026112200001"},
        "channel": {"type": "string", "enum": [c.value for c in Channel]},
        "status": {"type": "string", "enum": [s.value for s in Status]},
        "priority": {"type": "string", "enum": [p.value for p in Priority]},
        "category": {"type": "string"},
        "category_name": {"type": "string"},
        "department": {"type": "string", "nullable": True},
        "department_name": {"type": "string", "nullable": True},
        "assist_departments": {"type": "array", "items": {"type": "string"}},
        "caller_phone": {
            "type": "string",
            "description": "E.164, or masked like '+86 138****1234' for viewers without the right",
        },
        "caller_name": {"type": "string"},
        "description": {"type": "string"},
        "address": {"type": "string"},
        "district": {"type": "string"},
        "latitude": {"type": "number", "nullable": True, "description": "WGS84 degrees"},
        "longitude": {"type": "number", "nullable": True, "description": "WGS84 degrees"},
        "external_ref": {"type": "string", "description": "the other hotline's reference"},
        "source_hotline": {
            "type": "string",
            "description": "transfers in (转入): the hotline that passed the case in",
        },
        "transferred_to": {
            "type": "string",
            "description": "transferred out (转出): the hotline the case went on to; '' if not",
        },
        "transferred_ref": {"type": "string", "description": "that hotline's reference"},
        "created_at": {"type": "string", "format": "date-time"},
        "due_at": NULLABLE_TIME,
        "onsite_due_at": NULLABLE_TIME,
        "dispatched_at": NULLABLE_TIME,
        "accepted_at": NULLABLE_TIME,
        "replied_at": NULLABLE_TIME,
        "reply_approved_at": {
            **NULLABLE_TIME,
            "description": "回复审核: when the reply was released to the caller (null while "
            "it waits for review)",
        },
        "closed_at": NULLABLE_TIME,
        "archived_at": NULLABLE_TIME,
        "reply_text": {"type": "string"},
        "resolution": {"type": "string"},
        "escalation_level": {"type": "integer", "minimum": 0, "maximum": 3},
        "satisfied": {"type": "boolean", "nullable": True},
        "supervised": {"type": "boolean"},
        "return_count": {"type": "integer"},
        "extension_requested_until": NULLABLE_TIME,
        "duplicate_of": {"type": "string", "nullable": True},
        "events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}},
    },
}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                    "case": {
                        "type": "string",
                        "description": "duplicate: the number of the case that has it",
                    },
                },
            }
        },
    },
    "Case": CASE_SCHEMA,
    "Event": {
        "type": "object",
        "required": ["action", "from_status", "to_status", "actor", "data", "at"],
        "properties": {
            "action": {"type": "string"},
            "from_status": {"type": "string", "nullable": True},
            "to_status": {"type": "string"},
            "actor": {"type": "string", "nullable": True},
            "actor_role": {"type": "string"},
            "data": {"type": "object"},
            "at": {"type": "string", "format": "date-time"},
        },
    },
    "NewCase": {
        "type": "object",
        "required": ["channel", "caller_phone", "category", "description"],
        "properties": {
            "channel": {"type": "string", "enum": [c.value for c in Channel]},
            "caller_phone": {"type": "string", "maxLength": 40},
            "caller_name": {"type": "string", "maxLength": 100},
            "category": {"type": "string", "description": "category code"},
            "description": {"type": "string", "minLength": 1, "maxLength": 5000},
            "address": {"type": "string", "maxLength": 200},
            "district": {"type": "string", "maxLength": 50},
            "latitude": {
                "type": "number",
                "minimum": -90,
                "maximum": 90,
                "description": "where the problem is (WGS84 degrees); with longitude, or neither",
            },
            "longitude": {"type": "number", "minimum": -180, "maximum": 180},
            "priority": {"type": "string", "enum": [p.value for p in Priority]},
            "external_ref": {
                "type": "string",
                "maxLength": 64,
                "description": "the other hotline's reference; required for channel transfer. "
                "The same (source_hotline, external_ref) twice: 409 `duplicate`, the error "
                "naming the existing case in `case`",
            },
            "source_hotline": {
                "type": "string",
                "maxLength": 100,
                "description": "channel transfer only: who passed the case in",
                "example": "12345市民服务热线",
            },
        },
    },
    "ActionParams": {
        "type": "object",
        "description": "fields used by the action named in the path",
        "properties": {
            "department": {"type": "string"},
            "assist": {"type": "array", "items": {"type": "string"}},
            "text": {"type": "string", "maxLength": 2000},
            "reason": {"type": "string", "maxLength": 2000},
            "satisfied": {"type": "boolean"},
            "note": {"type": "string", "maxLength": 2000},
            "resolution": {"type": "string", "maxLength": 2000},
            "until": {"type": "string", "format": "date-time"},
            "of": {"type": "string", "description": "mark_duplicate: the original's number"},
            "answer_by": {"type": "string", "format": "date-time"},
            "destination": {
                "type": "string",
                "maxLength": 100,
                "description": "transfer_out: the other hotline",
            },
            "destination_ref": {
                "type": "string",
                "maxLength": 64,
                "description": "transfer_out: the other hotline's reference, if known",
            },
        },
    },
    "DuplicateList": {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {
                "type": "array",
                "items": {
                    "allOf": [
                        {"$ref": "#/components/schemas/Case"},
                        {
                            "type": "object",
                            "required": ["reasons"],
                            "properties": {
                                "reasons": {
                                    "type": "array",
                                    "items": {"type": "string", "enum": DUPLICATE_REASONS},
                                    "description": "phone: the same caller's number; "
                                    "address_category: the same address and category",
                                }
                            },
                        },
                    ]
                },
            }
        },
    },
    "CasePage": {
        "type": "object",
        "required": ["items", "total", "page"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Case"}},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
        },
    },
    "ChangeList": {
        "type": "object",
        "required": ["items", "complete"],
        "properties": {
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["event", "number", "action", "status", "at"],
                    "properties": {
                        "event": {
                            "type": "string",
                            "enum": ["case.created", "case.updated", "case.escalated"],
                        },
                        "number": {"type": "string"},
                        "action": {"type": "string"},
                        "status": {"type": "string"},
                        "priority": {"type": "string"},
                        "level": {"type": "integer"},
                        "at": {"type": "string", "format": "date-time"},
                    },
                },
            },
            "complete": {"type": "boolean", "description": "false: ask again from the last at"},
        },
    },
    "PublicCase": {
        "type": "object",
        "description": "what anyone with the case number and the phone's last four digits "
        "may read: no names, no numbers, no description, no handlers; times in local time",
        "required": [
            "number",
            "status",
            "category_name",
            "department",
            "created_at",
            "due_at",
            "closed_at",
            "answer",
            "steps",
        ],
        "additionalProperties": False,
        "properties": {
            "number": {"type": "string"},
            "status": {"type": "string", "enum": [s.value for s in Status]},
            "category_name": {"type": "string"},
            "category_name_en": {"type": "string"},
            "department": {"$ref": "#/components/schemas/PublicDepartment"},
            "created_at": {"type": "string", "format": "date-time"},
            "due_at": {**NULLABLE_TIME, "description": "reply deadline while the case is open"},
            "closed_at": NULLABLE_TIME,
            "answer": {
                "type": "string",
                "nullable": True,
                "description": "the department's answer, once the case is closed",
            },
            "steps": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["step", "at", "department", "until"],
                    "additionalProperties": False,
                    "properties": {
                        "step": {"type": "string", "enum": list(PUBLIC_STEPS)},
                        "at": {"type": "string", "format": "date-time"},
                        "department": {"$ref": "#/components/schemas/PublicDepartment"},
                        "until": {**NULLABLE_TIME, "description": "new deadline (extensions)"},
                        "destination": {
                            "type": "string",
                            "nullable": True,
                            "description": "transferred_out: the other hotline now handling it",
                        },
                    },
                },
            },
        },
    },
    "PublicDepartment": {
        "type": "object",
        "nullable": True,
        "required": ["code", "name"],
        "additionalProperties": False,
        "properties": {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "name_en": {"type": "string"},
        },
    },
    "Department": {
        "type": "object",
        "properties": {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "name_en": {"type": "string"},
            "active": {"type": "boolean"},
        },
    },
    "Category": {
        "type": "object",
        "properties": {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "name_en": {"type": "string"},
            "parent": {"type": "string", "nullable": True},
            "default_department": {"type": "string", "nullable": True},
            "is_emergency": {"type": "boolean"},
            "active": {"type": "boolean"},
        },
    },
}


def _list_of(ref: str) -> dict:
    return {
        "description": "OK",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}}
                    },
                }
            }
        },
    }


def _query(name: str, schema: dict, description: str = "") -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


PATHS = {
    "/cases": {
        "post": {
            "summary": "Register a case (routed at once when a rule matches)",
            "operationId": "createCase",
            "parameters": [
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                    "description": (
                        "重复提交保护: a key of the client's choosing (printable ASCII). The "
                        "same request sent again under it registers nothing and answers the "
                        "case it registered (header Idempotent-Replayed: true); under it with "
                        "another request it is a 422 naming Idempotency-Key. Keys are each "
                        "user's own."
                    ),
                }
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/NewCase"}}
                },
            },
            "responses": {
                "201": {
                    **_json("Case", "the case (registered now, or before under the same key)"),
                    "headers": {
                        "Idempotent-Replayed": {
                            "description": "true when the key had registered this case before",
                            "schema": {"type": "string", "enum": ["true"]},
                        }
                    },
                },
                **ERRORS,
                "403": _error_response("this role does not register cases"),
                "409": _error_response(
                    "duplicate: this hotline's reference was transferred in already "
                    "(error.case names the case)"
                ),
            },
        },
        "get": {
            "summary": "Search the cases the caller may see, newest first",
            "operationId": "listCases",
            "parameters": [
                _query("status", {"type": "string", "enum": [s.value for s in Status]}),
                _query("department", {"type": "string"}, "department code"),
                _query("category", {"type": "string"}, "category code"),
                _query("phone", {"type": "string"}, "caller's number, any common form"),
                _query(
                    "q",
                    {"type": "string"},
                    "case number, other hotline's reference, or text in description/address",
                ),
                _query("overdue", {"type": "boolean"}, "only cases past their deadline"),
                _query("page", {"type": "integer", "minimum": 1}),
                _query("per_page", {"type": "integer", "minimum": 1, "maximum": 100}),
            ],
            "responses": {"200": _json("CasePage"), **ERRORS},
        },
    },
    "/cases/{number}": {
        "get": {
            "summary": "One case with its history, oldest event first",
            "operationId": "getCase",
            "parameters": [
                {"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": _json("Case"),
                "401": ERRORS["401"],
                "404": _error_response("no such case, or not visible to the caller"),
            },
        }
    },
    "/cases/{number}/{action}": {
        "post": {
            "summary": "Take an action on a case",
            "description": "A department's reply waits for review (回复审核): approve_reply "
            "releases it (the reply and the satisfaction question go to the caller by SMS; "
            "the case joins the callback list), rework (`reason`) sends it back to the same "
            "department (accepted again, the deadline unchanged). callback, close and reopen "
            "take only a released reply.",
            "operationId": "actOnCase",
            "parameters": [
                {"name": "number", "in": "path", "required": True, "schema": {"type": "string"}},
                {
                    "name": "action",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "enum": ACTIONS},
                },
            ],
            "requestBody": {
                "required": False,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ActionParams"}}
                },
            },
            "responses": {
                "200": _json("Case"),
                **ERRORS,
                "404": _error_response("no such case, or not visible to the caller"),
                "409": _error_response("the case's state or the caller's role forbids it"),
            },
        }
    },
    "/cases/{number}/duplicates": {
        "get": {
            "summary": "Possible duplicates (疑似重复): cases with the same number, or the same "
            "address and category, in the 30 days before this one, newest first",
            "operationId": "listCaseDuplicates",
            "parameters": [
                {"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": _json("DuplicateList"),
                "401": ERRORS["401"],
                "404": _error_response("no such case, or not visible to the caller"),
            },
        }
    },
    "/changes": {
        "get": {
            "summary": "Changes to visible cases since a moment (catch-up after reconnecting)",
            "operationId": "listChanges",
            "parameters": [
                {
                    "name": "since",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "format": "date-time"},
                },
            ],
            "responses": {"200": _json("ChangeList"), "401": ERRORS["401"], "422": ERRORS["422"]},
        }
    },
    "/departments": {
        "get": {
            "summary": "Departments",
            "operationId": "listDepartments",
            "responses": {"200": _list_of("Department"), "401": ERRORS["401"]},
        }
    },
    "/categories": {
        "get": {
            "summary": "Categories",
            "operationId": "listCategories",
            "responses": {"200": _list_of("Category"), "401": ERRORS["401"]},
        }
    },
}

FIGURES = {
    "type": "object",
    "required": [
        "received",
        "closed",
        "closure_rate",
        "replied",
        "replied_on_time",
        "on_time_rate",
        "overdue_open",
        "avg_reply_hours",
        "p90_reply_hours",
        "returns",
        "rated",
        "satisfied",
        "satisfaction_rate",
        "transferred_out",
    ],
    "properties": {
        **{
            name: {"type": "integer", "minimum": 0}
            for name in (
                "received",
                "closed",
                "replied",
                "replied_on_time",
                "overdue_open",
                "returns",
                "rated",
                "satisfied",
                "transferred_out",
            )
        },
        **{
            name: {"type": "number", "minimum": 0, "maximum": 1, "nullable": True}
            for name in ("closure_rate", "on_time_rate", "satisfaction_rate")
        },
        "avg_reply_hours": {"type": "number", "nullable": True},
        "p90_reply_hours": {"type": "number", "nullable": True},
    },
}
SCHEMAS["Figures"] = FIGURES
SCHEMAS["StatsRow"] = {
    "allOf": [
        {
            "type": "object",
            "required": ["key", "label"],
            "properties": {
                "key": {
                    "type": "string",
                    "description": "department or category code, channel, district, "
                    "ISO day or month ('' for no department or no district)",
                },
                "label": {"type": "string"},
            },
        },
        {"$ref": "#/components/schemas/Figures"},
    ]
}
SCHEMAS["Stats"] = {
    "type": "object",
    "required": ["from", "to", "by", "totals", "rows", "previous"],
    "properties": {
        "from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"},
        "by": {"type": "string", "nullable": True},
        "totals": {"$ref": "#/components/schemas/Figures"},
        "rows": {"type": "array", "items": {"$ref": "#/components/schemas/StatsRow"}},
        "previous": {
            "type": "object",
            "description": "the period of the same length just before, for comparison",
            "required": ["from", "to", "totals"],
            "properties": {
                "from": {"type": "string", "format": "date"},
                "to": {"type": "string", "format": "date"},
                "totals": {"$ref": "#/components/schemas/Figures"},
            },
        },
    },
}
PATHS["/stats"] = {
    "get": {
        "summary": "The hotline's figures for a period (a handler: its department's only)",
        "description": "Definitions in README.md (Statistics). Cases registered on the "
        "period's local days; rates are null when their divisor is 0.",
        "operationId": "getStats",
        "parameters": [
            {
                "name": "from",
                "in": "query",
                "schema": {"type": "string", "format": "date"},
                "description": "first local day (default: 29 days before `to`)",
            },
            {
                "name": "to",
                "in": "query",
                "schema": {"type": "string", "format": "date"},
                "description": "last local day, included (default: today); at most 3660 days",
            },
            {
                "name": "by",
                "in": "query",
                "schema": {
                    "type": "string",
                    "enum": ["department", "category", "channel", "district", "day", "month"],
                },
            },
        ],
        "responses": {"200": _json("Stats"), "401": ERRORS["401"], "422": ERRORS["422"]},
    }
}

PATHS["/track"] = {
    "get": {
        "summary": "Public status and dated steps of a case (no login; no names, no numbers)",
        "operationId": "trackCase",
        "security": [],
        "parameters": [
            {"name": "number", "in": "query", "required": True, "schema": {"type": "string"}},
            {
                "name": "phone_last4",
                "in": "query",
                "required": True,
                "schema": {"type": "string", "pattern": "^[0-9]{4}$"},
                "description": "last four digits of the phone number given with the case",
            },
        ],
        "responses": {
            "200": _json("PublicCase"),
            "404": _error_response("no case with this number and these digits (either wrong)"),
            "422": ERRORS["422"],
            "429": {
                **_error_response("too many lookups from this address; see Retry-After"),
                "headers": {"Retry-After": {"schema": {"type": "integer"}}},
            },
        },
    }
}

DOCUMENT = {
    "openapi": "3.0.3",
    "info": {
        "title": "Hotline API",
        "version": "1.0.0",
        "description": "Cases of a 12319/12345 city service hotline.",
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}, {"session": []}],
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "session": {"type": "apiKey", "in": "cookie", "name": "session"},
        },
    },
}


@bp.get("/openapi.json")
def openapi():
    return DOCUMENT
