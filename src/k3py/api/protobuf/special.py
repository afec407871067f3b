"""Go's text forms of times and durations, as metav1.Time, MicroTime and Duration print them.

Why: protobuf carries seconds and nanoseconds; the JSON a client would have sent carries
RFC 3339 strings and ``time.Duration.String()``, which the rest of k3py expects.
"""

from __future__ import annotations

import datetime

from k3py.errors import BadRequest

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def timestamp(seconds: int, *, micros: int | None = None) -> str:
    """RFC 3339 in UTC: whole seconds for metav1.Time, six digits for MicroTime."""
    try:
        moment = _EPOCH + datetime.timedelta(seconds=seconds)
    except OverflowError:
        raise BadRequest(f"malformed protobuf request body: timestamp {seconds} s is out of "
                         "range") from None
    text = (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
            f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}")
    return f"{text}.{micros:06d}Z" if micros is not None else f"{text}Z"


def go_duration(nanos: int) -> str:
    """Go's ``time.Duration.String()``, which is how metav1.Duration prints in JSON."""
    if nanos == 0:
        return "0s"
    sign, size = ("-" if nanos < 0 else ""), abs(nanos)
    if size < 1_000_000_000:
        if size < 1000:
            return f"{sign}{size}ns"
        unit, digits = ("µs", 3) if size < 1_000_000 else ("ms", 6)
        whole, frac = divmod(size, 10 ** digits)
        tail = f"{frac:0{digits}d}".rstrip("0")
        return f"{sign}{whole}{'.' + tail if tail else ''}{unit}"
    seconds, frac = divmod(size, 1_000_000_000)
    tail = f"{frac:09d}".rstrip("0")
    text = f"{seconds % 60}{'.' + tail if tail else ''}s"
    minutes = seconds // 60
    if minutes:
        text = f"{minutes % 60}m{text}"
        if minutes >= 60:
            text = f"{minutes // 60}h{text}"
    return sign + text
