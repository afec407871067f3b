"""Message schemas: the compact field-table language of ``tables/`` and what Go's JSON makes
of each field.

Why: a protobuf body says which fields were set, not what kubectl's JSON would have said.
Go's generated marshaller writes every non-pointer field, and ``encoding/json`` then drops
some zero values (``omitempty``) and prints others (``null``, ``""``, ``0``, ``{}``). Each
field therefore carries its Go shape (pointer, slice, map, struct) and JSON tag options, so
the decoder can reproduce the JSON body field by field.

A table is text, one message per block::

    Volume                      message name (unqualified, in the table's package)
       1 name str               field number, JSON name, type
       2 ^    VolumeSource      ``^``: an embedded struct whose fields JSON inlines

Types: ``str int bool bytes f64`` (``int`` is any varint integer), the special types
``time`` (metav1.Time), ``mtime`` (MicroTime), ``dur`` (Duration), ``ios`` (IntOrString),
``qty`` (Quantity), ``raw`` (RawExtension), ``fieldsv1``, ``list`` (a named ``[]string``
sent as a message, e.g. ExtraValue), or a message name, qualified as ``core/v1.PodSpec``
when it lives in another package. Prefixes: ``[]`` repeated, ``map[str]`` a map, ``*`` a Go
pointer. Suffixes: ``?`` omitempty, ``!`` omitzero.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

STR, INT, BOOL, BYTES, F64, MSG = 0, 1, 2, 3, 4, 5
TIME, MTIME, DUR, IOS, QTY, RAW, FIELDSV1, LIST = 6, 7, 8, 9, 10, 11, 12, 13
SINGLE, REPEATED, MAP = 0, 1, 2

BASE_KINDS = {"str": STR, "int": INT, "bool": BOOL, "bytes": BYTES, "f64": F64,
              "time": TIME, "mtime": MTIME, "dur": DUR, "ios": IOS, "qty": QTY, "raw": RAW,
              "fieldsv1": FIELDSV1, "list": LIST}
SCALARS = frozenset({STR, INT, BOOL, BYTES, F64})
# Go's JSON of a zero value of each kind that is a struct or scalar (nil-able ones are null).
ZERO_JSON: dict[int, Any] = {STR: "", INT: 0, BOOL: False, F64: 0, BYTES: None, LIST: None,
                             TIME: None, MTIME: None, DUR: "0s", IOS: 0, QTY: "0", RAW: None,
                             FIELDSV1: None}

_FIELD = re.compile(r"^(\d+)\s+(\^|\w+)\s+(\[\]|map\[str\])?(\*)?([\w/.]+)((?:\s+[?!])*)$")


class Field:
    """One field: its number and JSON name, what it holds, and how Go's JSON treats it."""

    __slots__ = ("drop_if_empty", "drop_if_zero", "inline", "kind", "message", "name",
                 "number", "omitempty", "omitzero", "pointer", "ref", "shape")

    def __init__(self, number: int, name: str, *, kind: int, shape: int, ref: str,
                 pointer: bool, omitempty: bool, omitzero: bool) -> None:
        self.number, self.name, self.kind, self.shape, self.ref = number, name, kind, shape, ref
        self.pointer, self.omitempty, self.omitzero = pointer, omitempty, omitzero
        self.inline = name == "^"
        self.message: Message | None = None
        # encoding/json omits these when empty; structs are never "empty" to it.
        self.drop_if_empty = (omitempty and shape == SINGLE and not pointer
                              and (kind in SCALARS or kind == LIST))
        self.drop_if_zero = omitzero

    def zero(self) -> Any:
        """Go's JSON for this field's zero value (a nil pointer, slice or map is null)."""
        if self.shape != SINGLE or self.pointer:
            return None
        if self.kind == MSG:
            assert self.message is not None
            return self.message.zero_json()
        return ZERO_JSON[self.kind]

    def shown_when_zero(self) -> bool:
        """Whether Go's JSON prints this field when its Go value is the zero value."""
        if self.omitzero:
            return False
        if self.shape != SINGLE or self.pointer or self.kind in SCALARS or self.kind == LIST:
            return not self.omitempty
        return True


class Message:
    """A message's fields by number, plus what to do about absent ones after decoding."""

    __slots__ = ("_zero", "absent", "checks", "fields", "name")

    def __init__(self, name: str, fields: list[Field]) -> None:
        self.name = name
        self.fields = {f.number: f for f in fields}
        self.checks: tuple[Field, ...] = ()
        self.absent: tuple[tuple[Field, Any], ...] = ()
        self._zero: dict[str, Any] | None = None

    def link(self, registry: dict[str, Message]) -> None:
        package = self.name.rpartition(".")[0]
        for f in self.fields.values():
            if f.kind == MSG:
                key = f.ref if "." in f.ref else f"{package}.{f.ref}"
                if key not in registry:
                    raise LookupError(f"{self.name} field {f.number} names unknown {key}")
                f.message = registry[key]

    def prepare(self) -> None:
        """After linking: which present fields may vanish, which absent ones appear."""
        self.checks = tuple(f for f in self.fields.values() if f.drop_if_empty or f.drop_if_zero)
        absent: list[tuple[Field, Any]] = []
        for f in self.fields.values():
            if f.inline:
                assert f.message is not None
                absent.append((f, f.message.zero_json()))
            elif f.shown_when_zero():
                absent.append((f, f.zero()))
        self.absent = tuple(absent)

    def zero_json(self) -> dict[str, Any]:
        """Go's JSON of this message's zero struct."""
        if self._zero is None:
            self._zero = {}  # a cycle sees an empty struct rather than recursing forever
            out: dict[str, Any] = {}
            for f in self.fields.values():
                if f.inline:
                    assert f.message is not None
                    out.update(f.message.zero_json())
                elif f.shown_when_zero():
                    out[f.name] = f.zero()
            self._zero = out
        return self._zero


def parse(package: str, text: str) -> list[Message]:
    """Read one table written in the language above; ``package`` qualifies its names."""
    messages: list[Message] = []
    name: str | None = None
    fields: list[Field] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not raw.startswith(" "):
            if name is not None:
                messages.append(Message(f"{package}.{name}", fields))
            name, fields = line, []
            continue
        match = _FIELD.match(line)
        if match is None or name is None:
            raise ValueError(f"{package} table line {number}: cannot read {line!r}")
        num, json_name, prefix, star, base, suffix = match.groups()
        shape = {None: SINGLE, "[]": REPEATED, "map[str]": MAP}[prefix]
        field = Field(int(num), json_name, kind=BASE_KINDS.get(base, MSG), shape=shape,
                      ref=base, pointer=bool(star), omitempty="?" in suffix,
                      omitzero="!" in suffix)
        _check(field, fields, where=f"{package} table line {number}")
        fields.append(field)
    if name is not None:
        messages.append(Message(f"{package}.{name}", fields))
    return messages


def _check(field: Field, siblings: list[Field], *, where: str) -> None:
    """A typo in a table would silently mis-decode; refuse it when the table is read."""
    if any(f.number == field.number for f in siblings):
        raise ValueError(f"{where}: field number {field.number} appears twice")
    if not field.inline and any(f.name == field.name for f in siblings):
        raise ValueError(f"{where}: JSON name {field.name!r} appears twice")
    if field.inline and (field.kind != MSG or field.shape != SINGLE or field.pointer):
        raise ValueError(f"{where}: only a plain embedded message can be inlined")
    if field.kind == LIST and field.shape != MAP:
        raise ValueError(f"{where}: 'list' is only supported as a map value")


def build(tables: Iterable[tuple[str, str]]) -> dict[str, Message]:
    """Parse, link and prepare ``(package, text)`` tables into messages by qualified name."""
    found: dict[str, Message] = {}
    for package, text in tables:
        for message in parse(package, text):
            if message.name in found:
                raise ValueError(f"message {message.name} is defined twice")
            found[message.name] = message
    for message in found.values():
        message.link(found)
    for message in found.values():
        message.prepare()
    return found


@functools.cache
def registry() -> dict[str, Message]:
    """Every message of k3py's tables (built once, on first use: about 4 ms)."""
    from .tables import TABLES

    return build(TABLES)
