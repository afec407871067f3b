"""Protobuf request bodies to the JSON-form dicts the same client would have sent as JSON.

Why: kubectl (client-go >= 1.31) sends typed objects as ``application/vnd.kubernetes.protobuf``
while k3py stores JSON. A body is ``k8s\\x00`` + a ``runtime.Unknown`` envelope (typeMeta,
raw, contentEncoding, contentType); ``raw`` is the object in proto2 wire format, decoded here
with the field tables into exactly what Go's ``encoding/json`` prints for the same struct:
omitempty zero values dropped, non-omitempty ones printed (``null``, ``""``, ``0``, ``{}``).

Where this differs from the JSON a given kubectl sends, on purpose:

* ``metadata.creationTimestamp`` is left out when unset. kubectl <= 1.33 prints ``null``
  there; apimachinery 1.34 made it ``omitzero``, and the tables follow release-1.35.
* JSON cannot tell an empty list from an absent one in protobuf: an empty non-omitempty
  slice (``[]`` in JSON) decodes as ``null``, as the real API server would serve it.

Unknown field numbers (fields newer than the tables) are skipped and reported in
:attr:`Decoded.unknown`, never an error.
"""

from __future__ import annotations

import base64
import logging
import struct
from dataclasses import dataclass
from typing import Any

import orjson

from k3py.errors import BadRequest, UnsupportedMediaType

from .kinds import message_for
from .schema import (
    BOOL,
    BYTES,
    DUR,
    F64,
    FIELDSV1,
    INT,
    IOS,
    LIST,
    MAP,
    MSG,
    MTIME,
    QTY,
    RAW,
    REPEATED,
    STR,
    TIME,
    ZERO_JSON,
    Field,
    Message,
    registry,
)
from .special import go_duration, timestamp
from .wire import (
    FIXED32,
    FIXED64,
    LENGTH,
    VARINT,
    WIRE_TYPES,
    malformed,
    read_length,
    read_varint,
    scan,
    signed,
    skip,
)

logger = logging.getLogger(__name__)

MAGIC = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"
_DOUBLE, _FLOAT = struct.Struct("<d"), struct.Struct("<f")


@dataclass(frozen=True, slots=True)
class Decoded:
    """A decoded body: the JSON-form object and the fields skipped as unknown
    (``"core/v1.Container field 99 (varint)"``)."""

    object: dict[str, Any]
    unknown: tuple[str, ...]


def decode_protobuf_body(body: bytes) -> dict[str, Any]:
    """The JSON-form dict for a protobuf request body (see :func:`decode`)."""
    return decode(body).object


def decode(body: bytes) -> Decoded:
    """Decode a ``k8s\\x00``-prefixed body. Raises :class:`BadRequest` for malformed bytes
    and :class:`UnsupportedMediaType` for a kind k3py has no table for."""
    if not body.startswith(MAGIC):
        raise BadRequest("a protobuf request body must start with the 4 bytes 'k8s\\x00'; "
                         "send the object as JSON (Content-Type: application/json) instead")
    api_version = kind = content_type = encoding = ""
    raw = b""
    for number, wire_type, value in scan(body, start=len(MAGIC)):
        if wire_type != LENGTH or not isinstance(value, bytes):
            continue
        if number == 1:
            for sub, sub_type, text in scan(value):
                if sub_type == LENGTH and isinstance(text, bytes) and sub in (1, 2):
                    if sub == 1:
                        api_version = _text(text)
                    else:
                        kind = _text(text)
        elif number == 2:
            raw = value
        elif number == 3:
            encoding = _text(value)
        elif number == 4:
            content_type = _text(value)
    if encoding or content_type not in ("", CONTENT_TYPE):
        raise UnsupportedMediaType(
            f"the protobuf envelope of {kind or 'the body'} declares content type "
            f"{content_type!r} and encoding {encoding!r}; k3py reads only plain protobuf. "
            "Send the object as JSON (Content-Type: application/json) instead")
    name = message_for(api_version, kind)
    if name is None:
        raise UnsupportedMediaType(
            f"k3py cannot decode kind {kind!r} (apiVersion {api_version!r}) from protobuf. "
            "Send it as JSON (Content-Type: application/json), for example "
            "'kubectl create ... --dry-run=client -o json | kubectl create -f -'")
    unknown: list[str] = []
    fields = _message(raw, 0, end=len(raw), message=registry()[name], unknown=unknown)
    head: dict[str, Any] = {}
    if kind:
        head["kind"] = kind
    if api_version:
        head["apiVersion"] = api_version
    if unknown:
        logger.debug("protobuf %s %s: skipped unknown fields %s", api_version, kind, unknown)
    return Decoded({**head, **fields}, tuple(unknown))


def decode_message(raw: bytes, message: str | Message) -> Decoded:
    """Decode a bare message (no envelope): a table name such as ``"core/v1.PodSpec"``, or a
    prepared :class:`Message`."""
    schema = registry()[message] if isinstance(message, str) else message
    unknown: list[str] = []
    return Decoded(_message(raw, 0, end=len(raw), message=schema, unknown=unknown), tuple(unknown))


def _text(value: bytes) -> str:
    # Go does not check UTF-8 when unmarshalling; its JSON encoder prints U+FFFD instead.
    return value.decode("utf-8", "replace")


def _clone(value: Any) -> Any:
    if type(value) is dict:
        return {k: _clone(v) for k, v in value.items()}
    return value


def _message(buf: bytes, pos: int, *, end: int, message: Message,
             unknown: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    fields = message.fields
    seen = 0
    while pos < end:
        key = buf[pos]
        if key < 0x80:
            pos += 1
        else:
            key, pos = read_varint(buf, pos, end=end)
        number, wire_type = key >> 3, key & 7
        field = fields.get(number)
        if field is None:
            if number == 0:
                raise malformed("field number 0", at=pos)
            pos = skip(buf, pos, wire_type=wire_type, end=end)
            unknown.append(f"{message.name} field {number} ({WIRE_TYPES[wire_type]})")
            continue
        seen |= 1 << number
        value: Any
        if wire_type == LENGTH:
            size = buf[pos] if pos < end else 0x80
            if size < 0x80:  # the common one-byte length, inlined for speed
                start = pos + 1
                pos = start + size
                if pos > end:
                    raise malformed(f"length {size} runs past the end of its message", at=start)
            else:
                start, pos = read_length(buf, pos, end=end)
            if field.kind == STR and field.shape != MAP:
                value = buf[start:pos].decode("utf-8", "replace")
            elif field.shape == MAP:
                entry_key, entry_value = _entry(buf, start, stop=pos, field=field, unknown=unknown)
                out.setdefault(field.name, {})[entry_key] = entry_value
                continue
            elif field.shape == REPEATED and field.kind in (INT, BOOL, F64):
                values = _packed(buf, start, stop=pos, kind=field.kind)
                out.setdefault(field.name, []).extend(values)
                continue
            else:
                value = _length_value(buf, start, stop=pos, field=field, unknown=unknown)
        else:
            value, pos = _fixed_or_varint(buf, pos, end=end, field=field, wire_type=wire_type)
        if field.shape == REPEATED:
            out.setdefault(field.name, []).append(value)
        elif field.inline:
            out.update(value)
        else:
            out[field.name] = value
    _finish(out, seen=seen, message=message)
    return out


def _fixed_or_varint(buf: bytes, pos: int, *, end: int, field: Field,
                     wire_type: int) -> tuple[Any, int]:
    kind = field.kind
    if wire_type == VARINT and kind in (INT, BOOL):
        raw, pos = read_varint(buf, pos, end=end)
        return (signed(raw) if kind == INT else raw != 0), pos
    if wire_type in (FIXED64, FIXED32) and kind == F64:
        width = 8 if wire_type == FIXED64 else 4
        if pos + width > end:
            raise malformed("truncated fixed-width value", at=pos)
        number = (_DOUBLE if width == 8 else _FLOAT).unpack_from(buf, pos)[0]
        return (int(number) if number.is_integer() else number), pos + width
    shown = WIRE_TYPES[wire_type] if wire_type < len(WIRE_TYPES) else str(wire_type)
    raise malformed(f"field {field.number} ({field.name}) arrived as {shown}", at=pos)


def _finish(out: dict[str, Any], *, seen: int, message: Message) -> None:
    """Apply Go's JSON rules: drop omitempty zero values, print absent non-omitempty ones."""
    for field in message.checks:
        if seen >> field.number & 1:
            value = out.get(field.name)
            if (field.drop_if_empty and not value) or (field.drop_if_zero
                                                       and value == field.zero()):
                out.pop(field.name, None)
    for field, default in message.absent:
        if not seen >> field.number & 1:
            if field.inline:
                out.update(_clone(default))
            else:
                out[field.name] = _clone(default)


def _length_value(buf: bytes, start: int, *, stop: int, field: Field,
                  unknown: list[str]) -> Any:
    kind = field.kind
    if kind == STR:
        return _text(buf[start:stop])
    if kind == MSG:
        assert field.message is not None
        return _message(buf, start, end=stop, message=field.message, unknown=unknown)
    if kind == BYTES:
        return base64.b64encode(buf[start:stop]).decode("ascii")
    return _special(buf, start, stop=stop, kind=kind)


def _packed(buf: bytes, start: int, *, stop: int, kind: int) -> list[Any]:
    values: list[Any] = []
    pos = start
    if kind == F64:
        while pos + 8 <= stop:
            number = _DOUBLE.unpack_from(buf, pos)[0]
            values.append(int(number) if number.is_integer() else number)
            pos += 8
        if pos != stop:
            raise malformed("packed doubles of a length not divisible by 8", at=pos)
        return values
    while pos < stop:
        raw, pos = read_varint(buf, pos, end=stop)
        values.append(signed(raw) if kind == INT else raw != 0)
    return values


def _entry(buf: bytes, start: int, *, stop: int, field: Field,
           unknown: list[str]) -> tuple[str, Any]:
    """One map entry, ``{1: key, 2: value}``; a missing value is the Go zero value."""
    key = ""
    value: Any = _MISSING
    for number, wire_type, data in scan(buf, start=start, end=stop):
        if number == 1 and isinstance(data, bytes):
            key = _text(data)
        elif number == 2 and isinstance(data, bytes):
            if field.kind == MSG:
                assert field.message is not None
                value = _message(data, 0, end=len(data), message=field.message, unknown=unknown)
            elif field.kind == STR:
                value = _text(data)
            elif field.kind == BYTES:
                value = base64.b64encode(data).decode("ascii")
            else:
                value = _special(data, 0, stop=len(data), kind=field.kind)
        elif number == 2 and wire_type == VARINT and isinstance(data, int):
            value = data != 0 if field.kind == BOOL else signed(data)
        else:
            unknown.append(f"map entry of {field.name}: field {number}")
    if value is _MISSING:
        if field.kind == MSG:
            assert field.message is not None
            value = _clone(field.message.zero_json())
        elif field.kind == LIST:
            value = []
        else:
            value = ZERO_JSON[field.kind]
    return key, value


_MISSING: Any = object()


def _special(buf: bytes, start: int, *, stop: int, kind: int) -> Any:
    """Types with their own JSON: times, durations, IntOrString, Quantity, raw JSON."""
    if kind == LIST:  # only ever a map value, which Go allocates non-nil: [] not null
        return [_text(v) for n, _, v in scan(buf, start=start, end=stop)
                if n == 1 and isinstance(v, bytes)]
    fields = {n: v for n, _, v in scan(buf, start=start, end=stop)} if stop > start else {}
    if kind in (TIME, MTIME):
        if stop == start:
            return None  # metav1.Time writes nothing for the zero time
        seconds = signed(_int(fields.get(1, 0)))
        nanos = _int(fields.get(2, 0))
        return timestamp(seconds, micros=nanos // 1000 if kind == MTIME else None)
    if kind == DUR:
        return go_duration(signed(_int(fields.get(1, 0))))
    if kind == IOS:
        if _int(fields.get(1, 0)) == 1:
            return _text(_bytes(fields.get(3, b"")))
        return signed(_int(fields.get(2, 0)))
    if kind == QTY:
        return _text(_bytes(fields[1])) if 1 in fields else "0"
    if kind in (RAW, FIELDSV1):
        data = _bytes(fields.get(1, b""))
        if not data:
            return None
        if data.startswith(MAGIC):
            return decode(data).object
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise malformed(f"embedded object is neither protobuf nor JSON ({exc})",
                            at=start) from None
    raise AssertionError(f"kind {kind} is not a special type")


def _int(value: int | bytes) -> int:
    if isinstance(value, bytes):
        raise malformed("a number field arrived length-delimited", at=0)
    return value


def _bytes(value: int | bytes) -> bytes:
    if not isinstance(value, bytes):
        raise malformed("a string field arrived as a number", at=0)
    return value
