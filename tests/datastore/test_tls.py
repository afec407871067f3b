"""Datastore TLS: CA, client certificate and key files, as K3s's --datastore-* flags pass."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from k3py.datastore import EventType
from k3py.errors import DatastoreError

from .support import collect, open_target


async def test_crud_and_watch_over_tls(datastore_endpoint_tls: Any) -> None:
    p = datastore_endpoint_tls.key_prefix
    async with open_target(datastore_endpoint_tls, poll_interval=0.05) as store:
        created = await store.create(f"{p}tls", b"secret")
        updated = await store.update(f"{p}tls", b"still secret",
                                     expected_mod_revision=created.revision)
        async with store.watch(p, created.revision) as watch:
            events = await collect(watch, 2)
    assert [e.type for e in events] == [EventType.PUT, EventType.PUT]
    assert events[1].kv == updated.kv and events[1].prev_kv == created.kv


async def test_without_the_client_certificate_the_connection_is_refused(
    datastore_endpoint_tls: Any,
) -> None:
    target = dataclasses.replace(datastore_endpoint_tls, cert_file=None, key_file=None)
    store = open_target(target, retry_timeout=1.0, connect_timeout=2)
    with pytest.raises(DatastoreError):
        await store.start()
    await store.close()
