"""The raw write ceiling of each database: plain single-row INSERT transactions through the
same client library k3py's driver uses, in the same run, on the same server."""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

import aiohttp
import asyncmy
import asyncpg

VALUE = os.urandom(1024)


async def _timed(count: int, concurrency: int, one: Any) -> float:
    """Inserts per second doing ``count`` inserts with ``concurrency`` workers."""
    per_worker = count // concurrency
    began = time.perf_counter()
    await asyncio.gather(*(one(w, per_worker) for w in range(concurrency)))
    return per_worker * concurrency / (time.perf_counter() - began)


async def sqlite_ceiling(path: Path, *, synchronous: str, count: int, concurrency: int) -> float:
    """BEGIN IMMEDIATE / INSERT / COMMIT with stdlib sqlite3 on one writer thread that every
    writer hands its transaction to, as k3py's SQLite driver does (and as one SQLite file
    allows: it has a single writer lock)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    conn.execute("CREATE TABLE IF NOT EXISTS raw (id INTEGER PRIMARY KEY, name BLOB, value BLOB)")
    thread = concurrent.futures.ThreadPoolExecutor(1)
    loop = asyncio.get_running_loop()

    def insert(name: bytes) -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO raw (name, value) VALUES (?, ?)", (name, VALUE))
        conn.execute("COMMIT")

    async def one(w: int, n: int) -> None:
        for i in range(n):
            await loop.run_in_executor(thread, insert, f"/r/{w}/{i}".encode())

    try:
        return await _timed(count, concurrency, one)
    finally:
        thread.shutdown()
        conn.close()


async def postgres_ceiling(dsn: str, *, count: int, concurrency: int) -> float:
    pool = await asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency)
    try:
        await pool.execute("CREATE TABLE IF NOT EXISTS raw (id BIGSERIAL PRIMARY KEY,"
                           " name BYTEA, value BYTEA)")

        async def one(w: int, n: int) -> None:
            async with pool.acquire() as conn:
                for i in range(n):
                    async with conn.transaction():
                        await conn.execute("INSERT INTO raw (name, value) VALUES ($1, $2)",
                                           f"/r/{w}/{i}".encode(), VALUE)

        return await _timed(count, concurrency, one)
    finally:
        await pool.close()


async def mysql_ceiling(connect: dict[str, Any], *, count: int, concurrency: int) -> float:
    pool = await asyncmy.create_pool(minsize=concurrency, maxsize=concurrency, autocommit=True,
                                     **connect)
    try:
        table = f"raw_{os.urandom(4).hex()}"
        async with pool.acquire() as conn, conn.cursor() as cur:
            await cur.execute(f"CREATE TABLE {table} (id BIGINT AUTO_INCREMENT"
                              " PRIMARY KEY, name VARBINARY(2048), value LONGBLOB)")

        async def one(w: int, n: int) -> None:
            async with pool.acquire() as conn, conn.cursor() as cur:
                for i in range(n):
                    await cur.execute("START TRANSACTION")
                    await cur.execute(f"INSERT INTO {table} (name, value) VALUES (%s, %s)",
                                      (f"/r/{w}/{i}".encode(), VALUE))
                    await conn.commit()

        return await _timed(count, concurrency, one)
    finally:
        pool.close()
        await pool.wait_closed()


async def etcd_ceiling(url: str, *, count: int, concurrency: int) -> float:
    """Plain puts through etcd's JSON gateway over aiohttp, as k3py's etcd driver talks."""
    value = base64.b64encode(VALUE).decode()
    async with aiohttp.ClientSession() as http:

        async def one(w: int, n: int) -> None:
            for i in range(n):
                key = base64.b64encode(f"/raw/{w}/{i}".encode()).decode()
                async with http.post(f"{url}/v3/kv/put", json={"key": key, "value": value}) as r:
                    r.raise_for_status()
                    await r.read()

        return await _timed(count, concurrency, one)
