"""The SQL text each database needs, written once with ``?`` placeholders.

Schema (the same logical shape everywhere):

- ``k3py_log``: one row per revision; ``rev`` is the revision, ``prev_rev`` the revision of
  the version this row replaced (0 on a create), ``deleted`` marks a tombstone. Append-only,
  except that compaction deletes superseded rows.
- ``k3py_current``: the live keys and the revision of each one's newest version; what makes
  compare-and-swap a single lookup and keeps reads at "now" proportional to live keys.
- ``k3py_meta``: two counters, ``revision`` (its row lock serializes writers, so commit
  order is revision order and the log has no gaps) and ``compact``.
- ``k3py_lease``: granted leases and when they expire.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KEY_SENTINEL_END = b"\xff" * 2049
"""Greater than every key (keys are at most 2048 bytes), for prefixes with no upper bound."""

_CURRENT_COLUMNS = "c.name, c.rev, c.create_rev, c.lease, l.value"
_EVENT_COLUMNS = (
    "l.rev, l.name, l.value, l.create_rev, l.lease, l.deleted, l.prev_rev,"
    " p.value, p.create_rev, p.lease"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Dialect:
    """SQL for one database. Subclasses fill in the types and the few non-portable parts."""

    key_type: str
    value_type: str
    bigint: str = "BIGINT"
    float_type: str = "DOUBLE PRECISION"
    lock_suffix: str = " FOR UPDATE"
    upsert_tail: str = (
        " ON CONFLICT (name) DO UPDATE SET rev = excluded.rev,"
        " create_rev = excluded.create_rev, lease = excluded.lease"
    )
    insert_ignore: str = "INSERT INTO"
    ignore_tail: str = " ON CONFLICT DO NOTHING"
    log_rev_type: str = "BIGINT"
    """SQLite wants exactly INTEGER so that ``rev`` is the rowid: one b-tree, not two."""
    keyed_table_options: str = ""
    """SQLite: WITHOUT ROWID, so a table keyed by name is one b-tree, not two."""

    def schema(self) -> list[str]:
        k, v, b, o = self.key_type, self.value_type, self.bigint, self.keyed_table_options
        return [
            f"CREATE TABLE IF NOT EXISTS k3py_log (rev {self.log_rev_type} NOT NULL PRIMARY KEY,"
            f" name {k} NOT NULL, create_rev {b} NOT NULL, prev_rev {b} NOT NULL,"
            f" lease {b} NOT NULL, deleted SMALLINT NOT NULL, value {v})",
            f"CREATE TABLE IF NOT EXISTS k3py_current (name {k} NOT NULL PRIMARY KEY,"
            f" rev {b} NOT NULL, create_rev {b} NOT NULL, lease {b} NOT NULL){o}",
            f"CREATE TABLE IF NOT EXISTS k3py_meta (name VARCHAR(32) NOT NULL PRIMARY KEY,"
            f" value {b} NOT NULL){o}",
            f"CREATE TABLE IF NOT EXISTS k3py_lease (id {b} NOT NULL PRIMARY KEY,"
            f" ttl {b} NOT NULL, expires_at {self.float_type} NOT NULL){o}",
            *self.indexes(),
            *(f"{self.insert_ignore} k3py_meta (name, value) VALUES ('{name}', 0)"
              f"{self.ignore_tail}" for name in ("revision", "compact")),
        ]

    def indexes(self) -> list[str]:
        return [
            "CREATE INDEX IF NOT EXISTS k3py_log_name_rev ON k3py_log (name, rev)",
            "CREATE INDEX IF NOT EXISTS k3py_current_lease ON k3py_current (lease)",
            "CREATE INDEX IF NOT EXISTS k3py_lease_expires ON k3py_lease (expires_at)",
        ]

    # -- writes ------------------------------------------------------------------------

    @property
    def lock_compact(self) -> str:
        return "SELECT m.value FROM k3py_meta m WHERE m.name = 'compact'" + self.lock_suffix

    @property
    def lock_revision(self) -> str:
        """Serializes writers. A driver runs it as its own statement when a write transaction
        begins, so that every later statement reads what was committed before the lock."""
        return "SELECT m.value FROM k3py_meta m WHERE m.name = 'revision'" + self.lock_suffix

    def select_revision_and_current(self, n: int) -> str:
        """The revision and up to ``n`` live keys in one statement: one row with the
        revision (and NULLs) when none of the keys exists."""
        on = f"c.name IN ({_qs(n)})" if n else "1 = 0"
        return (
            f"SELECT m.value, {_CURRENT_COLUMNS} FROM k3py_meta m"
            f" LEFT JOIN k3py_current c ON {on} LEFT JOIN k3py_log l ON l.rev = c.rev"
            " WHERE m.name = 'revision'"
        )

    def select_current(self, n: int) -> str:
        return (f"SELECT {_CURRENT_COLUMNS} FROM k3py_current c JOIN k3py_log l"
                f" ON l.rev = c.rev WHERE c.name IN ({_qs(n)})")

    select_current_by_lease = (
        f"SELECT {_CURRENT_COLUMNS} FROM k3py_current c JOIN k3py_log l ON l.rev = c.rev"
        " WHERE c.lease = ? ORDER BY c.name"
    )

    def select_leases(self, n: int) -> str:
        return f"SELECT id FROM k3py_lease WHERE id IN ({_qs(n)})"

    insert_log = (
        "INSERT INTO k3py_log (rev, name, create_rev, prev_rev, lease, deleted, value)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)"
    )

    @property
    def upsert_current(self) -> str:
        return (
            "INSERT INTO k3py_current (name, rev, create_rev, lease) VALUES (?, ?, ?, ?)"
            + self.upsert_tail
        )

    delete_current = "DELETE FROM k3py_current WHERE name = ?"
    set_revision = "UPDATE k3py_meta SET value = ? WHERE name = 'revision'"
    set_compact = "UPDATE k3py_meta SET value = ? WHERE name = 'compact'"

    # -- reads -------------------------------------------------------------------------

    get_revision = "SELECT value FROM k3py_meta WHERE name = 'revision'"
    get_compact = "SELECT value FROM k3py_meta WHERE name = 'compact'"
    get_current = (
        "SELECT l.name, l.value, l.create_rev, l.rev, l.lease FROM k3py_current c"
        " JOIN k3py_log l ON l.rev = c.rev WHERE c.name = ?"
    )
    get_at = (
        "SELECT name, value, create_rev, rev, lease, deleted FROM k3py_log"
        " WHERE name = ? AND rev <= ? ORDER BY rev DESC LIMIT 1"
    )
    list_current = (
        "SELECT l.name, l.value, l.create_rev, l.rev, l.lease FROM k3py_current c"
        " JOIN k3py_log l ON l.rev = c.rev WHERE c.name >= ? AND c.name < ?"
        " ORDER BY c.name LIMIT ?"
    )
    list_at = (
        "SELECT l.name, l.value, l.create_rev, l.rev, l.lease FROM k3py_log l"
        " WHERE l.name >= ? AND l.name < ? AND l.rev <= ? AND l.deleted = 0"
        " AND NOT EXISTS (SELECT 1 FROM k3py_log n WHERE n.name = l.name"
        " AND n.rev > l.rev AND n.rev <= ?) ORDER BY l.name LIMIT ?"
    )
    count_current = "SELECT COUNT(*) FROM k3py_current WHERE name >= ? AND name < ?"
    poll = (
        f"SELECT {_EVENT_COLUMNS} FROM k3py_log l LEFT JOIN k3py_log p ON p.rev = l.prev_rev"
        " WHERE l.rev > ? ORDER BY l.rev LIMIT ?"
    )
    events_in_range = (
        f"SELECT {_EVENT_COLUMNS} FROM k3py_log l LEFT JOIN k3py_log p ON p.rev = l.prev_rev"
        " WHERE l.rev >= ? AND l.rev <= ? AND l.name >= ? AND l.name < ?"
        " ORDER BY l.rev LIMIT ?"
    )

    # -- compaction and leases ---------------------------------------------------------

    compact_superseded = (
        "SELECT prev_rev FROM k3py_log WHERE rev > ? AND rev <= ? AND prev_rev > 0"
    )
    compact_tombstones = "SELECT rev FROM k3py_log WHERE rev > ? AND rev <= ? AND deleted = 1"

    def delete_log_rows(self, n: int) -> str:
        return f"DELETE FROM k3py_log WHERE rev IN ({_qs(n)})"

    insert_lease = "INSERT INTO k3py_lease (id, ttl, expires_at) VALUES (?, ?, ?)"
    get_lease = "SELECT ttl FROM k3py_lease WHERE id = ?"
    renew_lease = "UPDATE k3py_lease SET expires_at = ? WHERE id = ?"
    delete_lease = "DELETE FROM k3py_lease WHERE id = ?"
    expired_leases = "SELECT id FROM k3py_lease WHERE expires_at <= ? ORDER BY expires_at LIMIT ?"


def _qs(n: int) -> str:
    return ", ".join("?" * n)


_QMARK = re.compile(r"\?")


def numbered_placeholders(sql: str) -> str:
    """``?`` -> ``$1, $2, ...`` (PostgreSQL). Our SQL never has ``?`` inside literals."""
    counter = iter(range(1, 10_000))
    return _QMARK.sub(lambda _: f"${next(counter)}", sql)


def format_placeholders(sql: str) -> str:
    """``?`` -> ``%s`` (MySQL drivers). Our SQL never contains a literal ``%``."""
    return sql.replace("?", "%s")
