"""Worker processes for cross-process datastore tests. Usage:

    workers.py write   <target-json> <prefix> <count>          create count keys, print each ack
    workers.py cas     <target-json> <key> <tasks> <attempts>  get -> CAS increment loops
"""

from __future__ import annotations

import asyncio
import json
import sys
from types import SimpleNamespace

from k3py.datastore import DatastoreSettings, open_backend
from k3py.errors import DatastoreUnavailable


def _open(target_json: str):  # type: ignore[no-untyped-def]
    t = SimpleNamespace(**json.loads(target_json))
    return open_backend(t.endpoint, data_dir=t.data_dir, ca_file=t.ca_file,
                        cert_file=t.cert_file, key_file=t.key_file,
                        settings=DatastoreSettings())


async def write(target_json: str, prefix: str, count: str) -> None:
    async with _open(target_json) as store:
        for i in range(int(count)):
            key = f"{prefix}{i:06d}"
            try:
                result = await store.create(key, f"value-{i}".encode())
            except DatastoreUnavailable as exc:  # the database died under this very write
                assert exc.outcome_unknown, exc
                print(f"{key} unknown", flush=True)
                continue
            assert result.succeeded, result
            print(f"{key} {result.revision}", flush=True)


async def cas(target_json: str, key: str, tasks: str, attempts: str) -> None:
    async with _open(target_json) as store:
        print("ready", flush=True)
        sys.stdin.readline()  # start together with the other process

        async def loop() -> int:
            wins = 0
            for _ in range(int(attempts)):
                kv = await store.get(key)
                assert kv is not None
                value = int(kv.value) + 1
                result = await store.update(key, str(value).encode(),
                                            expected_mod_revision=kv.mod_revision)
                wins += result.succeeded
            return wins

        wins = await asyncio.gather(*(loop() for _ in range(int(tasks))))
        print(json.dumps({"wins": sum(wins)}), flush=True)


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    asyncio.run({"write": write, "cas": cas}[command](*args))
