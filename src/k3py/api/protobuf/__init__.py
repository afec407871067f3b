"""Decoding of ``application/vnd.kubernetes.protobuf`` request bodies into JSON-form dicts.

``decode_protobuf_body(body)`` is the entry point the API server calls; ``decode(body)`` also
returns the unknown fields it skipped. Modules: ``wire`` (the encoding, no schema),
``schema`` (the field-table language and Go's JSON rules), ``tables`` (one module per API
group), ``kinds`` (which kinds are decodable), ``decode`` (envelope and messages).
"""

from __future__ import annotations

from .decode import CONTENT_TYPE, Decoded, decode, decode_message, decode_protobuf_body
from .kinds import KINDS

__all__ = ["CONTENT_TYPE", "KINDS", "Decoded", "decode", "decode_message",
           "decode_protobuf_body"]
