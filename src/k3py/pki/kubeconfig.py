"""The admin kubeconfig, in the shape K3s writes (``reference/k3s-behaviour.md`` §5.4).

A fixed template rather than a YAML library: the document has one shape, every value that
varies is base64 or passed through :func:`_scalar`, which leaves a value plain only when YAML
1.1 and 1.2 would both read it back as the same string (kubectl parses with YAML 1.1, where
``yes`` or ``on`` would be booleans) and double-quotes it otherwise.
"""

from __future__ import annotations

import base64
import json
import re

from k3py.pki.certs import CertKey

_TEMPLATE = """\
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: {ca}
    server: {server}
  name: {name}
contexts:
- context:
    cluster: {name}
    user: {name}
  name: {name}
current-context: {name}
kind: Config
preferences: {{}}
users:
- name: {name}
  user:
    client-certificate-data: {cert}
    client-key-data: {key}
"""

# Starts with a letter, no spaces, no ": " or " #", nothing YAML gives another meaning to.
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9._/@:\[\]-]*")
_NOT_STRINGS = frozenset(
    {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"}
)


def render_kubeconfig(
    *, server_url: str, ca_pem: bytes, client: CertKey, name: str = "default"
) -> str:
    """A kubeconfig whose one cluster, user and context are all called ``name``."""
    return _TEMPLATE.format(
        ca=_b64(ca_pem),
        server=_scalar(server_url),
        name=_scalar(name),
        cert=_b64(client.cert_pem),
        key=_b64(client.key_pem),
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scalar(value: str) -> str:
    """``value`` as a YAML scalar that reads back as exactly this string."""
    if _PLAIN.fullmatch(value) and value.lower() not in _NOT_STRINGS and not value.endswith(":"):
        return value
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted one
