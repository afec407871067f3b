"""The K3s-style config file: drop-ins, `+` appends, unknown keys, precedence."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from k3py.config.file import load_config
from k3py.config.server import server_config
from k3py.errors import ConfigError

KNOWN = {"tls-san", "node-name", "https-listen-port", "disable-agent", "data-dir",
         "write-kubeconfig"}


def test_drop_ins_override_and_append(tmp_path: Path) -> None:
    main = tmp_path / "config.yaml"
    main.write_text("node-name: first\ntls-san: [a.example]\nhttps-listen-port: 7443\n")
    drop_ins = tmp_path / "config.yaml.d"
    drop_ins.mkdir()
    (drop_ins / "20-late.yaml").write_text("node-name: last\n")
    (drop_ins / "10-sans.yml").write_text("tls-san+: [b.example]\n")
    (drop_ins / "ignored.txt").write_text("node-name: never\n")
    values = load_config(main, known=KNOWN)
    assert values == {"node_name": "last", "tls_san": ["a.example", "b.example"],
                      "https_listen_port": 7443}


def test_unknown_keys_are_skipped_with_a_warning(tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    main = tmp_path / "config.yaml"
    main.write_text("node-name: n\nflannel-backend: none\n")
    with caplog.at_level(logging.WARNING):
        assert load_config(main, known=KNOWN) == {"node_name": "n"}
    assert "Unknown flag --flannel-backend found" in caplog.text


def test_a_missing_file_is_no_config_and_a_bad_one_is_an_error(tmp_path: Path) -> None:
    assert load_config(tmp_path / "absent.yaml", known=KNOWN) == {}
    bad = tmp_path / "config.yaml"
    bad.write_text("- just\n- a list\n")
    with pytest.raises(ConfigError, match="must be a YAML mapping"):
        load_config(bad, known=KNOWN)


def test_flags_beat_env_beat_the_file(tmp_path: Path) -> None:
    file_values = {"node_name": "from-file", "https_listen_port": 7443,
                   "data_dir": str(tmp_path), "disable_agent": True, "tls_san": "x.example"}
    env = {"K3S_NODE_NAME": "from-env"}
    config = server_config({"https_listen_port": 9443}, env, file_values)
    assert (config.node_name, config.https_listen_port) == ("from-env", 9443)
    assert config.disable_agent is True
    assert config.tls_sans == ("x.example",)
    assert config.data_dir == tmp_path
