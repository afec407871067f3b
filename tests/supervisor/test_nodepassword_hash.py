"""The node-password hash and the passwd file, as pure functions."""

from __future__ import annotations

from pathlib import Path

from k3py.supervisor.auth import PasswdFile, parse_passwd
from k3py.supervisor.nodepassword import create_hash, secret_name, verify_hash


def test_hash_has_k3s_format_and_verifies() -> None:
    hashed = create_hash("s3cret")
    version, salt, n, r, p, key = hashed.split(":")
    assert (version, n, r, p) == ("$1", "15", "8", "1")
    assert len(bytes.fromhex(salt)) == 8
    assert "=" not in key  # Go's RawStdEncoding: no padding
    assert verify_hash(hashed, "s3cret") is None
    assert verify_hash(hashed, "other") == "hash does not match"


def test_malformed_hashes_are_refused_without_running_away() -> None:
    assert verify_hash("garbage", "x") == "hash format not recognised"
    assert verify_hash("$2:00:15:8:1:AAAA", "x") == \
        "hash version 2 does not match package version 1"
    assert verify_hash("$1:0011223344556677:40:8:1:AAAA", "x") == "hash parameters out of range"


def test_secret_name_is_lower_case() -> None:
    assert secret_name("Agent-1") == "agent-1.node-password.k3s"


def test_passwd_rows_and_groups(tmp_path: Path) -> None:
    text = "pw1,server,server,k3s:server\npw2,node,node,k3s:agent\n"
    users = parse_passwd(text)
    assert users["node"].groups == ("k3s:agent",)
    path = tmp_path / "passwd"
    path.write_text(text)
    passwd = PasswdFile(path)
    found = passwd.check("node", "pw2")
    assert found is not None and found.groups == ("k3s:agent", "system:authenticated")
    assert passwd.check("node", "pw1") is None
    assert passwd.check("nobody", "pw1") is None
    path.write_text("pw3,server,server,k3s:server\npw4,node,node,k3s:agent\n")  # rotated
    assert passwd.check("node", "pw2") is None
    assert passwd.check("node", "pw4") is not None
