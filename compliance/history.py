"""The service's history: every accepted check and its outcome, in an embedded SQLite
database in the data folder (`history.sqlite3`), its files beside it (`checks/<id>/`).

The schema is versioned (PRAGMA user_version); each call opens its own connection, so the
web process and the worker processes share the database safely (WAL journal).
"""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

# 2: `options` (the options beside distance: coords, crs, as_of).
SCHEMA_VERSION = 2
_SCHEMA = """
CREATE TABLE IF NOT EXISTS checks (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,          -- queued, running, done, failed
    progress REAL NOT NULL DEFAULT 0,
    stage TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    standard TEXT NOT NULL,
    lang TEXT NOT NULL,
    distance TEXT NOT NULL,
    meta TEXT NOT NULL,            -- JSON: report metadata
    files TEXT NOT NULL,           -- JSON: the names the client gave, shown only
    plan TEXT NOT NULL,            -- the placed plan, relative to the check's folder
    plan_table TEXT,               -- the placed table, if any
    input_sha256 TEXT NOT NULL,
    summary TEXT,                  -- JSON: the result's summary when done
    error TEXT,                    -- JSON: {"error", "problems"} when failed
    attempts INTEGER NOT NULL DEFAULT 0,
    options TEXT NOT NULL DEFAULT '{}'  -- JSON: coords, crs, as_of as the user gave them
);
CREATE INDEX IF NOT EXISTS checks_created ON checks (created);
"""
STATUSES = ("queued", "running", "done", "failed")


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


@dataclass
class Check:
    id: str
    status: str
    progress: float
    stage: str
    created: str
    updated: str
    standard: str
    lang: str
    distance: str
    meta: dict
    files: list
    plan: str
    plan_table: str | None
    input_sha256: str
    summary: dict | None
    error: dict | None
    attempts: int
    options: dict

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "Check":
        d = dict(row)
        for key in ("meta", "files", "summary", "error", "options"):
            d[key] = json.loads(d[key]) if d[key] else None
        d["meta"] = d["meta"] or {}
        d["files"] = d["files"] or []
        d["options"] = d["options"] or {}
        return cls(**d)


class History:
    def __init__(self, data_dir: str | Path):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.data_dir / "history.sqlite3"
        with closing(self._connect()) as db, db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise RuntimeError(f"{self.path} was written by a newer version (schema "
                                   f"{version} > {SCHEMA_VERSION})")
            db.executescript(_SCHEMA)
            columns = {row["name"] for row in db.execute("PRAGMA table_info(checks)")}
            if "options" not in columns:  # a history of schema 1: its checks had none
                db.execute("ALTER TABLE checks ADD COLUMN options TEXT NOT NULL DEFAULT '{}'")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    def folder(self, check_id: str) -> Path:
        return self.data_dir / "checks" / check_id

    def add(self, check_id: str, *, standard: str, lang: str, distance: str, meta: dict,
            files: list[str], plan: str, plan_table: str | None, input_sha256: str,
            options: dict | None = None) -> None:
        stamp = now()
        with closing(self._connect()) as db:
            db.execute(
                "INSERT INTO checks (id, status, progress, stage, created, updated, standard, "
                "lang, distance, meta, files, plan, plan_table, input_sha256, options) "
                "VALUES (?, 'queued', 0, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (check_id, stamp, stamp, standard, lang, distance,
                 json.dumps(meta, ensure_ascii=False), json.dumps(files, ensure_ascii=False),
                 plan, plan_table, input_sha256,
                 json.dumps(options or {}, ensure_ascii=False)))

    def get(self, check_id: str) -> Check | None:
        with closing(self._connect()) as db:
            row = db.execute("SELECT * FROM checks WHERE id = ?", (check_id,)).fetchone()
        return Check.from_row(row) if row else None

    def recent(self, limit: int = 50) -> list[Check]:
        with closing(self._connect()) as db:
            rows = db.execute("SELECT * FROM checks ORDER BY created DESC, rowid DESC LIMIT ?",
                              (int(limit),)).fetchall()
        return [Check.from_row(r) for r in rows]

    def unfinished(self) -> list[Check]:
        with closing(self._connect()) as db:
            rows = db.execute("SELECT * FROM checks WHERE status IN ('queued', 'running') "
                              "ORDER BY created").fetchall()
        return [Check.from_row(r) for r in rows]

    def update(self, check_id: str, **fields) -> None:
        for key in ("summary", "error"):
            if key in fields and fields[key] is not None:
                fields[key] = json.dumps(fields[key], ensure_ascii=False)
        fields["updated"] = now()
        columns = ", ".join(f"{k} = ?" for k in fields)
        with closing(self._connect()) as db:
            db.execute(f"UPDATE checks SET {columns} WHERE id = ?",  # noqa: S608 - our keys
                       (*fields.values(), check_id))

    def fail_if_unfinished(self, check_id: str, error: dict) -> None:
        """Mark a check failed unless it already finished (a worker's late crash report)."""
        with closing(self._connect()) as db:
            db.execute("UPDATE checks SET status = 'failed', error = ?, updated = ? "
                       "WHERE id = ? AND status IN ('queued', 'running')",
                       (json.dumps(error, ensure_ascii=False), now(), check_id))
