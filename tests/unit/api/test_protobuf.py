"""Protobuf request bodies, decoded into the JSON the same kubectl command would send.

The fixtures are real: ``tools/capture_protobuf.py`` ran kubectl 1.33 (1.32 for the
autoscaling/v1 HPA) against a recording stub and saved each protobuf body (``<case>.pb``)
with an independent JSON oracle (``<case>.json``): kubectl's own ``--dry-run=client -o
json`` print of the object where the command has one, else the JSON body kubectl 1.30 (the
last release whose typed clients send JSON) sent for the same command. ``<case>.v1.30.json``,
where present, is that 1.30 body too, compared as a second oracle. ``<case>.v1.35.pb`` is the
body kubectl 1.35 sent, checked against its own dry-run print ``<case>.v1.35.json`` (or the
case's JSON when the command has no dry run).

Normalised before comparing, and only this:

* ``metadata.creationTimestamp: null`` is removed from the expected JSON (at every level).
  kubectl <= 1.33 prints it; apimachinery 1.34 made the field ``omitzero`` and the decoder
  follows the release-1.35 tables, so it leaves the unset timestamp out.
* ``volatile`` paths listed in ``cases.json`` (``metav1.Now()`` stamps, the random suffix of
  a debug pod's name) differ between the two kubectl runs by nature: both sides must hold a
  value of the same form there, which is then masked.

Wire features that no kubectl command exercises (durations, micro-times, doubles, packed
ints, raw extensions, unknown fields, malformed bytes) are tested on hand-built bytes below.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import struct
import time
from pathlib import Path
from typing import Any

import pytest

from k3py.api.protobuf import KINDS, decode, decode_message, decode_protobuf_body
from k3py.api.protobuf.schema import build, parse, registry
from k3py.api.protobuf.special import go_duration
from k3py.api.protobuf.wire import scan
from k3py.errors import BadRequest, UnsupportedMediaType

FIXTURES = Path(__file__).parent / "fixtures" / "protobuf"
CASES: dict[str, dict[str, Any]] = json.loads((FIXTURES / "cases.json").read_text())
MASK = "<volatile>"
VOLATILE_FORMS = {
    "metadata.name": re.compile(r"^node-debugger-n1-[a-z0-9]{5}$"),
    "lastUpdateTime": re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"),
}


def _without_null_creation_timestamp(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_null_creation_timestamp(v) for k, v in value.items()
                if not (k == "creationTimestamp" and v is None)}
    if isinstance(value, list):
        return [_without_null_creation_timestamp(v) for v in value]
    return value


def _mask(document: dict[str, Any], path: str) -> str:
    *parents, last = path.split(".")
    node: Any = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    value, node[last] = node[last], MASK
    form = next(f for suffix, f in VOLATILE_FORMS.items() if path.endswith(suffix))
    assert isinstance(value, str) and form.match(value), f"{path}: {value!r}"
    return value


def _expected(case: str, suffix: str) -> dict[str, Any]:
    document = json.loads((FIXTURES / f"{case}{suffix}").read_text())
    normalised: dict[str, Any] = _without_null_creation_timestamp(document)
    for path in CASES[case]["volatile"]:
        _mask(normalised, path)
    return normalised


def _decoded(case: str, suffix: str = ".pb") -> dict[str, Any]:
    result = decode((FIXTURES / f"{case}{suffix}").read_bytes())
    assert result.unknown == (), f"{case}: fields missing from the tables: {result.unknown}"
    for path in CASES[case]["volatile"]:
        _mask(result.object, path)
    return result.object


@pytest.mark.parametrize("case", sorted(CASES))
def test_captured_body_decodes_to_what_kubectl_sends_as_json(case: str) -> None:
    assert _decoded(case) == _expected(case, ".json")


@pytest.mark.parametrize("case", sorted(c for c, meta in CASES.items()
                                        if meta.get("also_json_from_1_30")))
def test_captured_body_matches_the_json_body_of_kubectl_1_30_too(case: str) -> None:
    assert _decoded(case) == _expected(case, ".v1.30.json")


@pytest.mark.parametrize("case", sorted(c for c, meta in CASES.items()
                                        if meta.get("also_kubectl_1_35")))
def test_kubectl_1_35_bodies_decode_to_its_own_json(case: str) -> None:
    printed = FIXTURES / f"{case}.v1.35.json"
    expected = _expected(case, ".v1.35.json" if printed.exists() else ".json")
    assert _decoded(case, ".v1.35.pb") == expected


def test_every_decodable_kind_but_eviction_has_a_real_capture() -> None:
    # kubectl drain POSTs Evictions as JSON; the Eviction table is tested by hand below.
    captured = set()
    for case in CASES:
        head = decode_protobuf_body((FIXTURES / f"{case}.pb").read_bytes())
        captured.add((head["apiVersion"], head["kind"]))
    assert set(KINDS) - captured == {("policy/v1", "Eviction")}
    assert ("v1", "DeleteOptions") in captured


def test_a_deployment_decodes_well_under_a_millisecond() -> None:
    body = (FIXTURES / "deployment.pb").read_bytes()
    decode_protobuf_body(body)
    runs = 200
    best = min(_timed(body, runs) for _ in range(5)) / runs
    assert best < 0.001, f"{best * 1e6:.0f} µs per Deployment"


def _timed(body: bytes, runs: int) -> float:
    began = time.perf_counter()
    for _ in range(runs):
        decode_protobuf_body(body)
    return time.perf_counter() - began


# --- hand-built bytes ---------------------------------------------------------------------

def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        if not value:
            out.append(low)
            return bytes(out)
        out.append(low | 0x80)


def num(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def ld(number: int, payload: bytes | str) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def envelope(api_version: str, kind: str, *, raw: bytes, encoding: str = "",
             content_type: str = "") -> bytes:
    return (b"k8s\x00" + ld(1, ld(1, api_version) + ld(2, kind)) + ld(2, raw)
            + ld(3, encoding) + ld(4, content_type))


def _raw_of(case: str) -> bytes:
    """The object bytes inside a captured envelope (field 2)."""
    body = (FIXTURES / f"{case}.pb").read_bytes()
    raw = next(v for n, _, v in scan(body, start=4) if n == 2)
    assert isinstance(raw, bytes)
    return raw


def test_unknown_fields_are_skipped_and_reported() -> None:
    raw = _raw_of("deployment") + num(99, 7) + ld(100, b"\x01\x02") + _varint(101 << 3 | 5) + (
        b"\x00" * 4) + _varint(102 << 3 | 1) + b"\x00" * 8
    result = decode(envelope("apps/v1", "Deployment", raw=raw))
    assert result.object == decode_protobuf_body((FIXTURES / "deployment.pb").read_bytes())
    assert result.unknown == (
        "apps/v1.Deployment field 99 (varint)",
        "apps/v1.Deployment field 100 (length-delimited)",
        "apps/v1.Deployment field 101 (fixed32)",
        "apps/v1.Deployment field 102 (fixed64)",
    )


def test_eviction_carries_its_delete_options() -> None:
    raw = ld(1, ld(1, "p1") + ld(3, "default")) + ld(2, num(1, 0) + ld(4, "Foreground"))
    assert decode_protobuf_body(envelope("policy/v1", "Eviction", raw=raw)) == {
        "kind": "Eviction", "apiVersion": "policy/v1",
        "metadata": {"name": "p1", "namespace": "default"},
        "deleteOptions": {"gracePeriodSeconds": 0, "propagationPolicy": "Foreground"},
    }


def test_delete_options_decode_under_any_group_version() -> None:
    raw = ld(2, ld(1, "uid-1") + ld(2, "5")) + num(3, 1) + ld(5, "All")
    assert decode_protobuf_body(envelope("apps/v1", "DeleteOptions", raw=raw)) == {
        "kind": "DeleteOptions", "apiVersion": "apps/v1",
        "preconditions": {"uid": "uid-1", "resourceVersion": "5"},
        "orphanDependents": True, "dryRun": ["All"],
    }


def test_go_zero_values_follow_the_json_tags() -> None:
    # A ServicePort with only a name: port is not omitempty (0), targetPort is a struct
    # (IntOrString, printed even when zero), protocol/nodePort are omitempty zero values.
    port = decode_message(ld(1, "http") + ld(2, "") + num(5, 0), "core/v1.ServicePort")
    assert port.object == {"name": "http", "port": 0, "targetPort": 0}
    # Pointers keep an explicit zero; a nil non-omitempty slice prints null.
    context = decode_message(num(4, 0) + num(5, 0), "core/v1.SecurityContext").object
    assert context == {"runAsUser": 0, "runAsNonRoot": False}
    assert decode_message(b"", "rbac/v1.PolicyRule").object == {"verbs": None}


def test_inlined_embedded_structs_merge_into_their_parent() -> None:
    common = ld(1, "dbg") + ld(2, "busybox") + num(16, 1)
    result = decode_message(ld(1, common) + ld(2, "app"), "core/v1.EphemeralContainer")
    assert result.object == {"name": "dbg", "image": "busybox", "stdin": True,
                             "resources": {}, "targetContainerName": "app"}


def test_quantities_int_or_strings_and_list_map_values() -> None:
    resources = ld(1, ld(1, "cpu") + ld(2, ld(1, "250m"))) + ld(2, ld(1, "memory"))
    assert decode_message(resources, "core/v1.ResourceRequirements").object == {
        "limits": {"cpu": "250m"}, "requests": {"memory": "0"}}
    probe = ld(1, ld(2, ld(1, "/h") + ld(2, num(1, 1) + ld(3, "http")))) + ld(
        1, ld(3, ld(1, num(2, 8080))))
    assert decode_message(probe, "core/v1.Probe").object == {
        "httpGet": {"path": "/h", "port": "http"}, "tcpSocket": {"port": 8080}}
    user = ld(4, ld(1, "scopes")) + ld(4, ld(1, "two") + ld(2, ld(1, "a") + ld(1, "b")))
    assert decode_message(user, "authentication/v1.UserInfo").object == {
        "extra": {"scopes": [], "two": ["a", "b"]}}


SPECIALS = build([("test/v1", """
Thing
   1 when   time ?
   2 micro  *mtime ?
   3 period *dur ?
   4 ratio  f64 ?
   5 counts []int ?
   6 flags  []bool ?
   7 blob   bytes
   8 ext    raw
   9 data   map[str]bytes ?
  10 name   str ?
""")])["test/v1.Thing"]


def test_special_types_print_as_go_does() -> None:
    stamp = 1767225600  # 2026-01-01T00:00:00Z
    raw = (ld(1, num(1, stamp) + num(2, 999)) + ld(2, num(1, stamp) + num(2, 123456789))
           + ld(3, num(1, 90 * 10**9)) + _varint(4 << 3 | 1) + struct.pack("<d", 2.5)
           + ld(5, _varint(1) + _varint(-1))
           + num(5, 300) + num(6, 1) + ld(7, b"\x00\xff") + ld(8, ld(1, b'{"a": [1]}'))
           + ld(9, ld(1, "k")) + ld(10, b"\xffok"))
    assert decode_message(raw, SPECIALS).object == {
        "when": "2026-01-01T00:00:00Z", "micro": "2026-01-01T00:00:00.123456Z",
        "period": "1m30s", "ratio": 2.5, "counts": [1, -1, 300], "flags": [True],
        "blob": "AP8=", "ext": {"a": [1]}, "data": {"k": None}, "name": "\ufffdok"}
    assert decode_message(b"", SPECIALS).object == {"when": None, "blob": None, "ext": None}
    assert decode_message(ld(1, b""), SPECIALS).object["when"] is None


def test_raw_extensions_may_hold_protobuf_objects() -> None:
    inner = envelope("v1", "Namespace", raw=ld(1, ld(1, "x")))
    assert decode_message(ld(8, ld(1, inner)), SPECIALS).object["ext"] == {
        "kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "x"},
        "spec": {}, "status": {}}


@pytest.mark.parametrize(("nanos", "text"), [
    (0, "0s"), (1, "1ns"), (1500, "1.5µs"), (1_000_000, "1ms"), (100_000_000, "100ms"),
    (1_500_000_000, "1.5s"), (90 * 10**9, "1m30s"), (3600 * 10**9, "1h0m0s"),
    (-2 * 10**9, "-2s"), (26 * 3600 * 10**9 + 1, "26h0m0.000000001s"),
])
def test_durations_print_like_go(nanos: int, text: str) -> None:
    assert go_duration(nanos) == text


# --- refusals -----------------------------------------------------------------------------

def test_a_kind_without_a_table_is_415_with_a_way_out() -> None:
    with pytest.raises(UnsupportedMediaType) as caught:
        decode_protobuf_body(envelope("apps/v1", "StatefulSet", raw=b""))
    message = caught.value.message
    assert "StatefulSet" in message and "apps/v1" in message
    assert "application/json" in message and "kubectl create -f -" in message


def test_an_encoded_envelope_is_415() -> None:
    with pytest.raises(UnsupportedMediaType, match="gzip"):
        decode_protobuf_body(envelope("v1", "Namespace", raw=b"", encoding="gzip"))


@pytest.mark.parametrize("body", [
    b"", b"{}", b"k8s", b"k8s\x01" + b"\x0a\x00",
    b"k8s\x00\x0a\x05\x0a\x02v1",                       # typeMeta longer than the body
    envelope("v1", "Namespace", raw=b"\x0a\x80"),           # truncated length varint
    envelope("v1", "Namespace", raw=b"\x08" + b"\xff" * 11),  # an over-long varint
    envelope("v1", "Namespace", raw=b"\x0b"),               # groups are not supported
    envelope("v1", "Namespace", raw=num(1, 5)),             # metadata sent as a number
    envelope("v1", "Namespace", raw=b"\x00\x00"),           # field number 0
])
def test_malformed_bytes_are_400(body: bytes) -> None:
    with pytest.raises(BadRequest):
        decode_protobuf_body(body)


@pytest.mark.parametrize("case", ["job-from-cronjob-rich", "certificate-approve-rich"])
def test_damaged_bodies_never_fail_any_other_way(case: str) -> None:
    body = (FIXTURES / f"{case}.pb").read_bytes()
    rng = random.Random(case)
    damaged = [body[:cut] for cut in range(0, len(body), 7)]
    for _ in range(300):
        copy = bytearray(body)
        for _ in range(rng.randint(1, 4)):
            copy[rng.randrange(4, len(copy))] = rng.randrange(256)
        damaged.append(bytes(copy))
    for candidate in damaged:
        with contextlib.suppress(BadRequest, UnsupportedMediaType):
            decode_protobuf_body(candidate)


# --- the tables themselves ----------------------------------------------------------------

def test_every_kind_has_a_linked_message() -> None:
    messages = registry()
    for (api_version, kind), name in KINDS.items():
        assert name in messages, (api_version, kind)
        assert messages[name].fields[1].name == "metadata", name


def test_table_typos_are_refused_when_read() -> None:
    with pytest.raises(ValueError, match="field number 1 appears twice"):
        parse("t/v1", "M\n  1 a str\n  1 b str\n")
    with pytest.raises(ValueError, match="'a' appears twice"):
        parse("t/v1", "M\n  1 a str\n  2 a int\n")
    with pytest.raises(ValueError, match="cannot read"):
        parse("t/v1", "M\n  x a str\n")
    with pytest.raises(LookupError, match=r"unknown t/v1\.Missing"):
        build([("t/v1", "M\n  1 a Missing\n")])
