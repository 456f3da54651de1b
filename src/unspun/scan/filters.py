"""``--filter``: a small condition language over the two documents of a candidate pair.

The filter is never spliced into SQL. It is parsed here into a tree, checked (known
fields, matching types), and compiled to SQL whose only names are whitelisted columns and
whose every literal is a bound parameter (``$p0`` for DuckDB, ``:p0`` for Spark SQL).
Grammar (keywords in any case)::

    expr      := term (OR term)*
    term      := factor (AND factor)*
    factor    := NOT factor | '(' expr ')' | predicate
    predicate := operand ('=' | '<>' | '!=' | '<' | '<=' | '>' | '>=') operand
               | operand [NOT] IN '(' literal (',' literal)* ')'
               | operand IS [NOT] NULL
               | operand [NOT] LIKE 'pattern'        (% and _ wildcards)
    operand   := field | literal
    field     := (a | b) '.' name                   a: the earlier document, b: the later
    literal   := 'text' (a quote doubled: 'it''s') | number

e.g. ``a.site <> b.site``, ``a.site <> b.site AND b.site NOT IN ('wire.example')``,
``b.chars >= 500 AND (a.date IS NULL OR a.date < '2024-01-01')``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..errors import SettingsError

#: the pair tables' metadata columns and their kinds (see ``unspun.scan.sql.META_COLUMNS``)
FIELDS: dict[str, str] = {
    "did": "number", "id": "text", "site": "text", "url": "text", "title": "text",
    "published": "text", "date": "text", "origin": "text", "chars": "number", "meta": "text",
}
MAX_LENGTH = 4000
MAX_DEPTH = 40
COMPARISONS = ("=", "<>", "!=", "<=", ">=", "<", ">")
KEYWORDS = ("AND", "OR", "NOT", "IN", "IS", "NULL", "LIKE")

Dialect = Literal["duckdb", "spark"]

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<number>-?\d+(?:\.\d+)?(?![\w.]))
  | (?P<field>[A-Za-z_]\w*\.[A-Za-z_]\w*)
  | (?P<word>[A-Za-z_]\w*)
  | (?P<op><>|!=|<=|>=|=|<|>)
  | (?P<punct>[(),])
""", re.X)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    pos: int


@dataclass(frozen=True)
class Field:
    side: str
    name: str

    @property
    def kind(self) -> str:
        return FIELDS[self.name]


@dataclass(frozen=True)
class Value:
    value: str | int | float

    @property
    def kind(self) -> str:
        return "text" if isinstance(self.value, str) else "number"


Operand = Field | Value


@dataclass(frozen=True)
class Compare:
    left: Operand
    op: str
    right: Operand


@dataclass(frozen=True)
class In:
    operand: Operand
    values: tuple[Value, ...]
    negated: bool


@dataclass(frozen=True)
class IsNull:
    operand: Operand
    negated: bool


@dataclass(frozen=True)
class Like:
    operand: Operand
    pattern: Value
    negated: bool


@dataclass(frozen=True)
class Not:
    inner: Node


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND / OR
    parts: tuple[Node, ...]


Node = Compare | In | IsNull | Like | Not | BoolOp


class FilterError(SettingsError):
    """A ``--filter`` that is not a valid condition."""


def _tokens(text: str) -> list[Token]:
    out: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise FilterError(f"unexpected {text[pos]!r} at character {pos + 1}")
        kind = m.lastgroup or ""
        if kind == "word" and m.group().upper() in KEYWORDS:
            out.append(Token("kw", m.group().upper(), pos))
        elif kind != "space":
            out.append(Token(kind, m.group(), pos))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0
        self.depth = 0

    def peek(self, *texts: str) -> bool:
        return self.i < len(self.toks) and self.toks[self.i].text in texts and self.toks[self.i].kind != "string"

    def take(self, *texts: str) -> Token:
        if not self.peek(*texts):
            self.fail(f"expected {' or '.join(texts)}")
        self.i += 1
        return self.toks[self.i - 1]

    def fail(self, what: str) -> None:
        if self.i < len(self.toks):
            t = self.toks[self.i]
            raise FilterError(f"{what} at character {t.pos + 1} ({t.text!r})")
        raise FilterError(f"{what} at the end")

    def parse(self) -> Node:
        if not self.toks:
            raise FilterError("empty condition")
        node = self.expr()
        if self.i < len(self.toks):
            self.fail("expected AND, OR or the end")
        return node

    def expr(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FilterError(f"nested more than {MAX_DEPTH} deep")
        parts = [self.term()]
        while self.peek("OR"):
            self.i += 1
            parts.append(self.term())
        self.depth -= 1
        return parts[0] if len(parts) == 1 else BoolOp("OR", tuple(parts))

    def term(self) -> Node:
        parts = [self.factor()]
        while self.peek("AND"):
            self.i += 1
            parts.append(self.factor())
        return parts[0] if len(parts) == 1 else BoolOp("AND", tuple(parts))

    def factor(self) -> Node:
        if self.peek("NOT"):
            self.i += 1
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise FilterError(f"nested more than {MAX_DEPTH} deep")
            node = Not(self.factor())
            self.depth -= 1
            return node
        if self.peek("("):
            self.i += 1
            node = self.expr()
            self.take(")")
            return node
        return self.predicate()

    def predicate(self) -> Node:
        left = self.operand()
        if self.peek(*COMPARISONS):
            op = self.take(*COMPARISONS).text
            right = self.operand()
            if left.kind != right.kind:
                raise FilterError(f"{_show(left)} {op} {_show(right)} compares {left.kind} with {right.kind}")
            return Compare(left, "<>" if op == "!=" else op, right)
        if self.peek("IS"):
            self.i += 1
            negated = self.peek("NOT")
            if negated:
                self.i += 1
            self.take("NULL")
            return IsNull(left, negated)
        negated = self.peek("NOT")
        if negated:
            self.i += 1
        if self.peek("IN"):
            self.i += 1
            self.take("(")
            values = [self.literal()]
            while self.peek(","):
                self.i += 1
                values.append(self.literal())
            self.take(")")
            for v in values:
                if v.kind != left.kind:
                    raise FilterError(f"{_show(left)} IN (…): {_show(v)} is {v.kind}, not {left.kind}")
            return In(left, tuple(values), negated)
        if self.peek("LIKE"):
            self.i += 1
            pattern = self.literal()
            if left.kind != "text" or pattern.kind != "text":
                raise FilterError(f"LIKE compares text: {_show(left)} LIKE {_show(pattern)}")
            if "\\" in str(pattern.value):
                raise FilterError("a LIKE pattern may not contain \\ (the engines escape it differently)")
            return Like(left, pattern, negated)
        self.fail("expected a comparison (= <> < <= > >=), IN, IS NULL or LIKE")
        raise AssertionError  # pragma: no cover

    def operand(self) -> Operand:
        if self.i < len(self.toks) and self.toks[self.i].kind == "field":
            t = self.toks[self.i]
            side, name = t.text.split(".")
            if side.lower() not in ("a", "b") or name.lower() not in FIELDS:
                raise FilterError(
                    f"unknown field {t.text!r} at character {t.pos + 1}: use a.NAME or b.NAME "
                    f"with NAME one of {', '.join(FIELDS)}")
            self.i += 1
            return Field(side.lower(), name.lower())
        if self.i < len(self.toks) and self.toks[self.i].kind in ("word", "kw"):
            self.fail("expected a field (a.NAME, b.NAME), a 'text' or a number")
        return self.literal()

    def literal(self) -> Value:
        if self.i >= len(self.toks) or self.toks[self.i].kind not in ("string", "number"):
            self.fail("expected a 'text' or a number")
        t = self.toks[self.i]
        self.i += 1
        if t.kind == "string":
            return Value(t.text[1:-1].replace("''", "'"))
        return Value(float(t.text) if "." in t.text else int(t.text))


def _show(x: Operand) -> str:
    if isinstance(x, Field):
        return f"{x.side}.{x.name}"
    return "'" + x.value.replace("'", "''") + "'" if isinstance(x.value, str) else str(x.value)


def parse_filter(text: str) -> Node:
    """The checked tree of a filter; FilterError (a SettingsError) says what is wrong."""
    if not isinstance(text, str):
        raise FilterError(f"a filter is text, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FilterError(f"longer than {MAX_LENGTH} characters")
    return _Parser(text).parse()


def validate_filter(text: str | None, source: str = "--filter") -> None:
    """Raise SettingsError (``source 'text': what is wrong``) unless ``text`` is a valid filter
    or empty."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return
    try:
        parse_filter(text)
    except FilterError as e:
        raise FilterError(f"{source} {text!r}: {e}") from None


def compile_filter(text: str | None, dialect: Dialect) -> tuple[str | None, dict[str, str | int | float]]:
    """``(sql, params)``: the condition as SQL over the aliases ``a`` and ``b`` with every
    literal a named parameter (DuckDB ``$p0``, Spark ``:p0``); ``(None, {})`` for no filter."""
    if text is None or not text.strip():
        return None, {}
    validate_filter(text)
    params: dict[str, str | int | float] = {}
    mark = "$" if dialect == "duckdb" else ":"

    def operand(x: Operand) -> str:
        if isinstance(x, Field):
            return f"{x.side}.{x.name}"  # both parts checked against FIELDS
        name = f"p{len(params)}"
        params[name] = x.value
        return mark + name

    def sql(n: Node) -> str:
        if isinstance(n, Compare):
            return f"({operand(n.left)} {n.op} {operand(n.right)})"
        if isinstance(n, In):
            values = ", ".join(operand(v) for v in n.values)
            return f"({operand(n.operand)} {'NOT IN' if n.negated else 'IN'} ({values}))"
        if isinstance(n, IsNull):
            return f"({operand(n.operand)} IS {'NOT NULL' if n.negated else 'NULL'})"
        if isinstance(n, Like):
            return f"({operand(n.operand)} {'NOT LIKE' if n.negated else 'LIKE'} {operand(n.pattern)})"
        if isinstance(n, Not):
            return f"(NOT {sql(n.inner)})"
        return "(" + f" {n.op} ".join(sql(p) for p in n.parts) + ")"

    return sql(parse_filter(text)), params
