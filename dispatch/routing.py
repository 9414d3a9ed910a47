"""Routing (分派): which department a new case goes to, and why.

The admin's rules (app.models.RoutingRule) are compiled into one matcher per process: a
dict from each keyword's first word to the rules that use it, so routing a case costs one
segmentation of its description and a few dict lookups, however many rules there are. The
first matching active rule wins; else the category's default department (the nearest up
the tree); else the case waits undispatched (待派). Every change to the rules or the
category tree raises the routing revision in the same transaction; each process reads that
one row at most every REFERENCE_CHECK_SECONDS (and at once after a change of its own) and
compiles again when it moved.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from app.extensions import database_key, db
from app.models import Case, Category, Department, RoutingRevision, RoutingRule
from dispatch import catalog, words


@dataclass(frozen=True)
class Decision:
    """Where a case goes: lead department (None: undispatched), assisting ones, and why."""

    department: Department | None
    assists: list[Department] = field(default_factory=list)
    reason: str = "no route"
    rule_id: int | None = None
    rule_name: str | None = None
    keyword: str | None = None
    # What made the rule fire, as (condition, value): keyword, category (the case's code),
    # district, channel, priority; pages name them in their language.
    matched: tuple[tuple[str, str], ...] = ()

    def event_data(self) -> dict:
        """What the case's history keeps of this decision."""
        data = {"reason": self.reason, "rule_id": self.rule_id, "rule_name": self.rule_name}
        if self.keyword:
            data["keyword"] = self.keyword
        return data


@dataclass(frozen=True)
class CompiledRule:
    id: int
    name: str
    category_id: int | None
    category_code: str | None
    district: str
    channel: str
    priority: str
    department_id: int
    assist_ids: tuple[int, ...]
    has_keywords: bool


# A description is only segmented when a key occurs in it, looked for key by key up to
# this many keys (measured: 300 searches in a description 7 µs, segmenting it 37 µs).
SEARCHED_KEYS_MAX = 500


@dataclass
class Matcher:
    """The active rules in order, indexed by the first word of each keyword."""

    revision: int
    rules: list[CompiledRule]
    # first word -> [(rule index, the phrase's further words, the keyword as written)]
    by_word: dict[str, list[tuple[int, tuple[str, ...], str]]]
    without_keywords: list[int]  # rules with conditions but no keyword, by index
    parents: dict[int, int | None]  # the category tree, for subtree conditions
    longest: int = 0  # the longest single-word keyword, bounding the affix lookups

    def keyword_hits(self, description: str) -> dict[int, str]:
        """Rule index -> the keyword that matched in `description`."""
        # Every hit starts with a key of by_word, which is then a piece of the normalized
        # text: without one the answer is known before the segmenting (most descriptions).
        text = words.normalize(description)
        if not self._any_key_in(text):
            return {}
        tokens = words.cut(text)
        hits: dict[int, str] = {}
        for i, token in enumerate(tokens):
            for word in self._forms(token):
                for index, rest, keyword in self.by_word.get(word, ()):
                    if index in hits or (rest and word != token):
                        continue  # a phrase starts on a whole word
                    if not rest or tuple(tokens[i + 1 : i + 1 + len(rest)]) == rest:
                        hits[index] = keyword
        return hits

    def _any_key_in(self, text: str) -> bool:
        """Whether a key of by_word may occur in `text`. Looking for each costs less than
        the segmenting up to some hundreds of keys; with more, the segmenting decides."""
        if len(self.by_word) > SEARCHED_KEYS_MAX:
            return True
        return any(word in text for word in self.by_word)

    def _forms(self, token: str):
        """The token, and its beginnings and ends that are keywords: a compound word
        (燃气灶, 夜间施工, 窨井盖) also matches 燃气, 施工, 井盖; never its middle, and
        never across words (路灯 is not in 马路/灯光)."""
        yield token
        for size in range(2, min(len(token), self.longest + 1)):
            if token[:size] in self.by_word:
                yield token[:size]
            if token[-size:] in self.by_word:
                yield token[-size:]

    def in_subtree(self, category_id: int, root_id: int) -> bool:
        node: int | None = category_id
        for _ in range(64):  # the tree has no loops (save_category refuses them)
            if node is None:
                return False
            if node == root_id:
                return True
            node = self.parents.get(node)
        return False


_matchers: dict[str, Matcher] = {}  # per database: one process may serve several (bench)
_checked: dict[str, float] = {}  # when each was last compared with the database
_compile_lock = threading.Lock()


# Built once: every intake runs it.
_REVISION = select(RoutingRevision.number).where(RoutingRevision.id == 1)


def current_revision() -> int:
    """The routing revision in the database (one primary-key read)."""
    return db.session.scalar(_REVISION) or 0


def note_change(now: datetime | None = None) -> None:
    """Raise the routing revision: every process compiles its matcher again."""
    values: dict = {"number": RoutingRevision.number + 1}
    if now is not None:
        values["changed_at"] = now
    db.session.execute(update(RoutingRevision).where(RoutingRevision.id == 1).values(**values))
    _checked.clear()


def matcher() -> Matcher:
    """This process's compiled matcher, compiled again when the revision moved."""
    key = database_key()
    found = _matchers.get(key)
    interval = current_app.config.get("REFERENCE_CHECK_SECONDS", 5)
    if found is not None and time.monotonic() - _checked.get(key, -math.inf) < interval:
        return found
    revision = current_revision()
    _checked[key] = time.monotonic()
    if found is None or found.revision != revision:
        with _compile_lock:
            found = _matchers.get(key)
            if found is None or found.revision != revision:
                found = _matchers[key] = compile_rules(revision)
    return found


def compile_rules(revision: int) -> Matcher:
    """Build the matcher from the active rules and the category tree."""
    query = (
        select(RoutingRule)
        .where(RoutingRule.active.is_(True))
        .options(selectinload(RoutingRule.assists), selectinload(RoutingRule.category))
        .order_by(RoutingRule.position, RoutingRule.id)
    )
    rules: list[CompiledRule] = []
    by_word: dict[str, list[tuple[int, tuple[str, ...], str]]] = {}
    without: list[int] = []
    for index, rule in enumerate(db.session.scalars(query)):
        keywords = rule.keyword_list()
        rules.append(_compiled(rule, bool(keywords)))
        if not keywords:
            without.append(index)
        for keyword in keywords:
            for first, rest in _entries(keyword):
                by_word.setdefault(first, []).append((index, rest, keyword))
    tree = db.session.execute(select(Category.id, Category.parent_id))
    parents = {node: parent for node, parent in tree}
    words.add_words(by_word)
    words.add_words(w for entries in by_word.values() for _, rest, _ in entries for w in rest)
    longest = max((len(w) for w, e in by_word.items() if any(not r for _, r, _ in e)), default=0)
    return Matcher(revision, rules, by_word, without, parents, longest)


def _compiled(rule: RoutingRule, has_keywords: bool) -> CompiledRule:
    return CompiledRule(
        rule.id,
        rule.name,
        rule.category_id,
        rule.category.code if rule.category else None,
        rule.district,
        rule.channel,
        rule.priority,
        rule.department_id,
        tuple(d.id for d in rule.assists if d.id != rule.department_id),
        has_keywords,
    )


def _entries(keyword: str) -> list[tuple[str, tuple[str, ...]]]:
    """A keyword's index entries: a phrase ("闻到 煤气") by its first word with the rest
    to follow, and also written together (闻到煤气) as one word."""
    parts = tuple(keyword.split(" "))
    if len(parts) == 1:
        return [(keyword, ())]
    return [(parts[0], parts[1:]), ("".join(parts), ())]


def pick(case: Case) -> Decision:
    """The routing decision for `case`; a decision without department leaves it undispatched."""
    return decide(case.description, case.category, case.district, case.channel, case.priority)


def decide(
    description: str,
    category: Category | None,
    district: str = "",
    channel: str = "",
    priority: str = "",
) -> Decision:
    """The decision for a case with these fields (also the admin's "try it")."""
    return decide_with(matcher(), description, category, district, channel, priority)


def decide_with(
    found: Matcher, description: str, category: Category | None, district, channel, priority
) -> Decision:
    """The decision of a given compiled matcher (no revision check)."""
    hits = found.keyword_hits(description or "")
    candidates = sorted(set(hits) | set(found.without_keywords))
    for index in candidates:
        rule = found.rules[index]
        if not _conditions_hold(found, rule, category, district, channel, priority):
            continue
        dept = catalog.department(rule.department_id)
        if dept is None or not dept.active:
            continue
        assists = [catalog.department(i) for i in rule.assist_ids]
        keyword = hits.get(index)
        assists = [d for d in assists if d is not None and d.active]
        matched = _matched(rule, category, keyword)
        reason = _reason(rule, category, matched)
        return Decision(dept, assists, reason, rule.id, rule.name, keyword, matched)
    return _fallback(category)


def _conditions_hold(found: Matcher, rule: CompiledRule, category, district, channel, priority):
    if rule.category_id is not None:
        if category is None or not found.in_subtree(category.id, rule.category_id):
            return False
    if rule.district and rule.district != (district or "").strip():
        return False
    if rule.channel and rule.channel != channel:
        return False
    return not (rule.priority and rule.priority != priority)


def _matched(
    rule: CompiledRule, category: Category | None, keyword: str | None
) -> tuple[tuple[str, str], ...]:
    fired = [("keyword", keyword)] if keyword else []
    if rule.category_id is not None and category is not None:
        fired.append(("category", category.code))
    fired += [(name, value) for name, value in _plain_conditions(rule) if value]
    return tuple(fired)


def _reason(rule: CompiledRule, category: Category | None, matched) -> str:
    """The decision's reason as the history keeps it (English, like all stored data)."""
    fired = []
    for name, value in matched:
        if name == "keyword":
            fired.append(f'keyword "{value}"')
        elif name == "category":
            fired.append(f"category {value} (within {rule.category_code})")
        else:
            fired.append(f"{name} {value}")
    return f'rule "{rule.name}" (#{rule.id}): ' + ", ".join(fired)


def _plain_conditions(rule: CompiledRule) -> list[tuple[str, str]]:
    return [("district", rule.district), ("channel", rule.channel), ("priority", rule.priority)]


def _fallback(category: Category | None) -> Decision:
    nearest = catalog.nearest_department(category) if category is not None else None
    if nearest is not None:
        code, dept = nearest
        return Decision(dept, [], f"no rule matched: default department of {code}")
    return Decision(None, [], "no rule matched and the category has no default department")
