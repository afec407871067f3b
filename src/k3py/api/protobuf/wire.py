"""The protobuf wire format without a schema: varints, field keys and skipping.

Why: kubectl's bodies are proto2 messages whose schema lives in our field tables
(``tables/``); this module knows only the encoding, so malformed bytes are caught in one
place and reported as :class:`k3py.errors.BadRequest`.
"""

from __future__ import annotations

from k3py.errors import BadRequest

VARINT, FIXED64, LENGTH, START_GROUP, END_GROUP, FIXED32 = 0, 1, 2, 3, 4, 5
WIRE_TYPES = ("varint", "fixed64", "length-delimited", "start-group", "end-group", "fixed32")


def malformed(detail: str, *, at: int) -> BadRequest:
    """The one error for bytes that are not a well-formed protobuf message."""
    return BadRequest(f"malformed protobuf request body: {detail} at byte {at}; "
                      "send the object as JSON (Content-Type: application/json) instead")


def read_varint(buf: bytes, pos: int, *, end: int) -> tuple[int, int]:
    """Decode the unsigned varint at ``pos``; return it and the position after it."""
    result = shift = 0
    start = pos
    while pos < end:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise malformed("varint longer than 10 bytes", at=start)
    raise malformed("truncated varint", at=start)


def signed(value: int) -> int:
    """int32/int64 fields are two's complement in a 64-bit varint."""
    return value - (1 << 64) if value >= 1 << 63 else value


def read_length(buf: bytes, pos: int, *, end: int) -> tuple[int, int]:
    """Decode a length prefix; return (start, stop) of the payload it announces."""
    length, pos = read_varint(buf, pos, end=end)
    stop = pos + length
    if stop > end:
        raise malformed(f"length {length} runs past the end of its message", at=pos)
    return pos, stop


def skip(buf: bytes, pos: int, *, wire_type: int, end: int) -> int:
    """Step over one field value of ``wire_type``; return the position after it."""
    if wire_type == VARINT:
        return read_varint(buf, pos, end=end)[1]
    if wire_type == LENGTH:
        return read_length(buf, pos, end=end)[1]
    if wire_type == FIXED64:
        stop = pos + 8
    elif wire_type == FIXED32:
        stop = pos + 4
    else:
        raise malformed(f"unsupported wire type {wire_type}", at=pos)
    if stop > end:
        raise malformed("truncated fixed-width value", at=pos)
    return stop


def scan(buf: bytes, *, start: int = 0,
         end: int | None = None) -> list[tuple[int, int, int | bytes]]:
    """Every field of one message as ``(number, wire_type, value)``: an int for varint and
    fixed fields, the raw bytes for length-delimited ones. For envelopes and debugging."""
    end = len(buf) if end is None else end
    out: list[tuple[int, int, int | bytes]] = []
    pos = start
    while pos < end:
        key, pos = read_varint(buf, pos, end=end)
        number, wire_type = key >> 3, key & 7
        if number == 0:
            raise malformed("field number 0", at=pos)
        value: int | bytes
        if wire_type == VARINT:
            value, pos = read_varint(buf, pos, end=end)
        elif wire_type == LENGTH:
            begin, pos = read_length(buf, pos, end=end)
            value = buf[begin:pos]
        else:
            after = skip(buf, pos, wire_type=wire_type, end=end)
            value = int.from_bytes(buf[pos:after], "little")
            pos = after
        out.append((number, wire_type, value))
    return out
