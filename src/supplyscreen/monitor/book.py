"""Monitors in the case database: masters, their rows' last screening, runs, changes and deliveries.

The case database is SQLite by default and PostgreSQL when configured (``supplyscreen.cases``); a
monitor lives beside the reviewer decisions it honours and the audit trail its runs are written to.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update

from supplyscreen.cases.db import CaseDatabase, utc_now
from supplyscreen.cases.tables import Monitor, MonitorChange, MonitorDelivery, MonitorRow, MonitorRun
from supplyscreen.errors import SupplyscreenError
from supplyscreen.model import Record
from supplyscreen.monitor.changes import Change
from supplyscreen.store.changelog import fold_words

#: A monitor's name: what a cron line or a URL can carry.
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
INSERT_BATCH = 2_000


class MonitorError(SupplyscreenError):
    """A monitor cannot do what was asked (unknown name, bad name, unreadable master)."""


def check_name(name: str) -> str:
    if not NAME_RE.match(name or ""):
        raise MonitorError(
            f"monitor name {name!r}: use letters, digits, '_', '-' or '.', starting with a letter or digit "
            "(at most 100 characters)"
        )
    return name


#: Headers of a vendor master's own id column (folded: lower case, words only).
VENDOR_ID_HEADERS = frozenset(
    f"{who} {what}"
    for who in ("vendor", "supplier", "payee", "contractor", "seller", "company", "party", "entity")
    for what in ("id", "number", "no", "code", "key", "ref", "reference")
) | {"id", "供应商编号", "供应商代码"}


def id_column(columns: Iterable[str], mapping: dict[str, str]) -> str | None:
    """The column that identifies a master's rows: the one mapped to ``id``, else a vendor id column
    (``vendor_id``, ``Supplier ID``, ``Vendor No.`` …), else None."""
    if mapping.get("id"):
        return mapping["id"]
    for column in columns:
        if fold_words(column.replace("_", " ")) in VENDOR_ID_HEADERS:
            return column
    return None


def row_identity(record: Record, id_col: str | None) -> str:
    """What makes a row the same row in an edited master: its id when the master has an id column
    and the row a value in it, else its name and address (case, spacing and punctuation folded)."""
    value = str(record.fields.get(id_col) or "").strip() if id_col else ""
    if value:
        return "id:" + value
    return "name:" + fold_words(record.name) + "|" + fold_words(record.address)


def record_json(record: Record) -> str:
    data = {
        "row": record.row,
        "fields": record.fields,
        "id": record.id,
        "name": record.name,
        "address": record.address,
        "country": record.country,
        "description": record.description,
        "hs_code": record.hs_code,
        "amount": record.amount,
        "currency": record.currency,
        "funding": record.funding,
        "date": record.date,
        "sheet": record.sheet,
        "buyer": record.buyer,
        "others": [list(pair) for pair in record.others],
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)


def record_from_json(text: str) -> Record:
    data = json.loads(text)
    data["others"] = tuple(tuple(pair) for pair in data.get("others") or ())
    return Record(**data)


def _content(record: Record) -> str:
    """A row's content, to tell an edited row from an unchanged one (its number aside)."""
    data = json.loads(record_json(record))
    data["row"] = 0
    return json.dumps(data, sort_keys=True)


@dataclass(slots=True)
class MonitorInfo:
    """A monitor as `monitor list` and the API show it."""

    name: str
    created: str
    updated: str
    user: str
    file_name: str
    rows: int
    last_run: str | None
    list_version: str
    options: dict[str, Any] = field(default_factory=dict)
    open_changes: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "created": self.created,
            "updated": self.updated,
            "user": self.user,
            "file_name": self.file_name,
            "rows": self.rows,
            "last_run": self.last_run,
            "list_version": self.list_version,
            "options": self.options,
            "open_changes": self.open_changes,
        }


@dataclass(slots=True)
class StoredRow:
    """One stored row of a master."""

    key: str
    row: int
    vendor: str
    record: Record | None
    state: str | None
    previous: str | None
    cause: str | None


@dataclass(slots=True)
class MasterEdit:
    """What saving a master did: rows added, removed, changed and unchanged against the one it replaced."""

    replaced: bool
    rows: int
    added: int = 0
    removed: int = 0
    changed: int = 0
    unchanged: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "replaced": self.replaced,
            "rows": self.rows,
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "unchanged": self.unchanged,
        }


def _digest(identity: str) -> str:
    return hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()


class MonitorBook:
    """The monitors of one case database."""

    def __init__(self, db: CaseDatabase) -> None:
        self.db = db

    # -- monitors ---------------------------------------------------------------------------------
    def names(self) -> list[str]:
        with self.db.session() as s:
            return list(s.scalars(select(Monitor.name).order_by(Monitor.name)))

    def get(self, name: str) -> MonitorInfo:
        with self.db.session() as s:
            row = s.get(Monitor, name)
            if row is None:
                known = (
                    ", ".join(self.names()) or "none yet: add one with `supplyscreen monitor add NAME FILE`"
                )
                raise MonitorError(f"no monitor named {name!r} (monitors: {known})")
            opened = s.scalar(
                select(func.count())
                .select_from(MonitorChange)
                .where(MonitorChange.monitor == name, MonitorChange.status == "open")
            )
            return MonitorInfo(
                row.name,
                row.created,
                row.updated,
                row.user_name,
                row.file_name,
                row.rows,
                row.last_run,
                row.list_version,
                json.loads(row.options or "{}"),
                int(opened or 0),
            )

    def all(self) -> list[MonitorInfo]:
        return [self.get(name) for name in self.names()]

    def exists(self, name: str) -> bool:
        with self.db.session() as s:
            return s.get(Monitor, name) is not None

    def detectors(self, name: str) -> str:
        with self.db.session() as s:
            row = s.get(Monitor, name)
            return row.detectors if row is not None else ""

    def save_master(
        self,
        name: str,
        records: Iterable[Record],
        *,
        user: str,
        file_name: str,
        file_sha256: str,
        options: dict[str, Any],
        id_col: str | None = None,
    ) -> MasterEdit:
        """Save (or replace) a monitor's master. A new monitor's rows await their baseline screening;
        a replaced master keeps the screening of its unchanged rows, and its added, changed and removed
        rows await a screening whose changes are reported as edits of the master."""
        check_name(name)
        now = utc_now()
        with self.db.session() as s:
            monitor = s.get(Monitor, name)
            old: dict[str, MonitorRow] = {}
            if monitor is not None:
                old = {r.key: r for r in s.scalars(select(MonitorRow).where(MonitorRow.monitor == name))}
            seen: dict[str, int] = {}
            fresh: list[dict[str, Any]] = []
            edit = MasterEdit(replaced=monitor is not None, rows=0)
            kept: set[str] = set()
            for record in records:
                identity = row_identity(record, id_col)
                seen[identity] = seen.get(identity, 0) + 1
                if seen[identity] > 1:  # the same identity again: the n-th such row
                    identity = f"{identity}#{seen[identity]}"
                key = _digest(identity)
                edit.rows += 1
                text = record_json(record)
                before = old.get(key)
                if before is not None and before.cause != "removed":
                    kept.add(key)
                    if _content(record_from_json(before.record)) == _content(record):
                        edit.unchanged += 1
                        if before.row != record.row:
                            before.row = record.row
                            before.record = text
                        continue
                    edit.changed += 1
                    before.previous = before.previous if before.cause else before.state
                    before.row, before.record, before.vendor = record.row, text, record.name or ""
                    before.state, before.cause = None, "master_edit"
                    continue
                if monitor is not None:
                    edit.added += 1
                fresh.append(
                    {
                        "monitor": name,
                        "key": key,
                        "row": record.row,
                        "vendor": record.name or "",
                        "record": text,
                        "state": None,
                        "previous": None,
                        "cause": "master_edit" if monitor is not None else "baseline",
                    }
                )
                if before is not None:  # a removed row back: replace it
                    s.delete(before)
            for key, before in old.items():
                if key in kept or before.cause == "removed":
                    continue
                edit.removed += 1
                if before.state is None and before.previous is None:
                    s.delete(before)  # never screened: nothing to report
                else:
                    before.previous = before.previous if before.cause else before.state
                    before.state, before.cause = None, "removed"
            s.flush()
            for i in range(0, len(fresh), INSERT_BATCH):
                s.execute(insert(MonitorRow), fresh[i : i + INSERT_BATCH])
            if monitor is None:
                s.add(
                    Monitor(
                        name=name,
                        created=now,
                        updated=now,
                        user_name=user,
                        file_name=file_name,
                        file_sha256=file_sha256,
                        options=json.dumps(options, ensure_ascii=False),
                        rows=edit.rows,
                        last_run=None,
                        list_version="",
                        detectors="",
                    )
                )
            else:
                monitor.updated, monitor.file_name, monitor.file_sha256 = now, file_name, file_sha256
                monitor.options, monitor.rows = json.dumps(options, ensure_ascii=False), edit.rows
        return edit

    def remove(self, name: str) -> MonitorInfo:
        info = self.get(name)
        with self.db.session() as s:
            for table in (MonitorRow, MonitorRun, MonitorChange, MonitorDelivery):
                s.execute(delete(table).where(table.monitor == name))
            s.execute(delete(Monitor).where(Monitor.name == name))
        return info

    # -- rows -------------------------------------------------------------------------------------
    def rows(self, name: str) -> list[StoredRow]:
        """Every row of a master, in row order (rows removed by an edit last)."""
        with self.db.session() as s:
            out = [
                _stored(*found)
                for found in s.execute(select(*_ROW_COLUMNS).where(MonitorRow.monitor == name))
            ]
        out.sort(key=lambda x: (x.cause == "removed", x.row, x.key))
        return out

    def row_index(self, name: str) -> list[tuple[str, int, str | None]]:
        """(key, row, cause) of every row, in the order of :meth:`rows`, without reading them."""
        with self.db.session() as s:
            found = [
                (str(k), int(r), c)
                for k, r, c in s.execute(
                    select(MonitorRow.key, MonitorRow.row, MonitorRow.cause).where(MonitorRow.monitor == name)
                )
            ]
        found.sort(key=lambda x: (x[2] == "removed", x[1], x[0]))
        return found

    def rows_at(self, name: str, keys: Iterable[str]) -> dict[str, StoredRow]:
        """Some rows, by key."""
        wanted = list(dict.fromkeys(keys))
        out: dict[str, StoredRow] = {}
        with self.db.session() as s:
            for i in range(0, len(wanted), 500):
                chosen = MonitorRow.key.in_(wanted[i : i + 500])
                for found in s.execute(select(*_ROW_COLUMNS).where(MonitorRow.monitor == name, chosen)):
                    row = _stored(*found)
                    out[row.key] = row
        return out

    def finish_run(
        self,
        name: str,
        *,
        states: dict[str, str],
        user: str,
        started: str,
        list_version: str,
        previous_version: str,
        detectors: str,
        mode: str,
        changes: Sequence[Change],
        stats: dict[str, Any],
    ) -> int:
        """Store a run: the rows' new states (by key), removed rows gone, the changes; its id."""
        now = utc_now()
        with self.db.session() as s:
            s.execute(delete(MonitorRow).where(MonitorRow.monitor == name, MonitorRow.cause == "removed"))
            updates = [{"k": key, "st": state} for key, state in states.items()]
            if updates:
                table = MonitorRow.__table__
                statement = (
                    update(table)  # type: ignore[arg-type]
                    .where(table.c.monitor == name, table.c.key == bindparam("k"))
                    .values(state=bindparam("st"), previous=None, cause=None)
                )
                for i in range(0, len(updates), INSERT_BATCH):
                    s.connection().execute(statement, updates[i : i + INSERT_BATCH])
            monitor = s.get(Monitor, name)
            assert monitor is not None
            monitor.last_run, monitor.list_version, monitor.detectors = now, list_version, detectors
            run = MonitorRun(
                monitor=name,
                started=started,
                finished=now,
                user_name=user,
                list_version=list_version,
                previous_version=previous_version,
                mode=mode,
                changes=len(changes),
                stats=json.dumps(stats),
            )
            s.add(run)
            s.flush()
            run_id = int(run.id)
            rows = [
                {
                    "monitor": name,
                    "run_id": run_id,
                    "created": now,
                    "row": c.row,
                    "vendor": c.vendor,
                    "change": c.change,
                    "entity_id": c.entity_id,
                    "entity_name": c.entity_name,
                    "source": c.source,
                    "list_change": json.dumps(c.list_change, ensure_ascii=False) if c.list_change else None,
                    "cause": c.cause,
                    "risk_before": c.risk_before,
                    "risk_after": c.risk_after,
                    "status": "open",
                }
                for c in changes
            ]
            for i in range(0, len(rows), INSERT_BATCH):
                s.execute(insert(MonitorChange), rows[i : i + INSERT_BATCH])
            s.flush()
            ids = list(
                s.scalars(
                    select(MonitorChange.id).where(MonitorChange.run_id == run_id).order_by(MonitorChange.id)
                )
            )
        for change, change_id in zip(changes, ids, strict=True):
            change.id = change_id
        return run_id

    # -- changes ----------------------------------------------------------------------------------
    def changes(
        self, name: str, *, since: str | None = None, status: str | None = None, limit: int | None = None
    ) -> list[Change]:
        """A monitor's changes, oldest first: those made after ``since`` (an ISO time), of ``status``
        (``open``, ``delivered``, ``seen``; ``unseen`` is open or delivered)."""
        with self.db.session() as s:
            query = select(MonitorChange).where(MonitorChange.monitor == name)
            if since:
                query = query.where(MonitorChange.created > since)
            if status == "unseen":
                query = query.where(MonitorChange.status != "seen")
            elif status:
                query = query.where(MonitorChange.status == status)
            query = query.order_by(MonitorChange.id)
            if limit:
                query = query.limit(limit)
            return [_change(row) for row in s.scalars(query)]

    def mark_seen(self, name: str, change_id: int, user: str) -> Change:
        with self.db.session() as s:
            row = s.get(MonitorChange, change_id)
            if row is None or row.monitor != name:
                raise MonitorError(f"monitor {name!r} has no change {change_id}")
            row.status, row.seen_by, row.seen_at = "seen", user, utc_now()
            return _change(row)

    def record_delivery(
        self,
        name: str,
        run_id: int,
        target: str,
        ok: bool,
        attempts: int,
        status: str,
        change_ids: Sequence[int],
    ) -> None:
        now = utc_now()
        with self.db.session() as s:
            s.add(
                MonitorDelivery(
                    monitor=name,
                    run_id=run_id,
                    target=target,
                    ok=ok,
                    attempts=attempts,
                    status=status,
                    at=now,
                    changes=json.dumps(list(change_ids)),
                )
            )
            if ok and change_ids:
                s.execute(
                    update(MonitorChange)
                    .where(MonitorChange.id.in_(list(change_ids)), MonitorChange.status == "open")
                    .values(status="delivered", delivered_at=now)
                )

    def runs(self, name: str, limit: int = 20) -> list[dict[str, Any]]:
        with self.db.session() as s:
            rows = s.scalars(
                select(MonitorRun)
                .where(MonitorRun.monitor == name)
                .order_by(MonitorRun.id.desc())
                .limit(limit)
            )
            return [
                {
                    "id": r.id,
                    "started": r.started,
                    "finished": r.finished,
                    "user": r.user_name,
                    "list_version": r.list_version,
                    "previous_version": r.previous_version,
                    "mode": r.mode,
                    "changes": r.changes,
                    "stats": json.loads(r.stats or "{}"),
                }
                for r in rows
            ]


#: What :class:`StoredRow` is made of, as selected.
_ROW_COLUMNS = (
    MonitorRow.key,
    MonitorRow.row,
    MonitorRow.vendor,
    MonitorRow.record,
    MonitorRow.state,
    MonitorRow.previous,
    MonitorRow.cause,
)


def _stored(
    key: str, row: int, vendor: str, record: str, state: str | None, previous: str | None, cause: str | None
) -> StoredRow:
    return StoredRow(
        key, row, vendor, record_from_json(record) if cause != "removed" else None, state, previous, cause
    )


def _change(row: MonitorChange) -> Change:
    return Change(
        row.monitor,
        row.row,
        row.vendor,
        row.change,
        row.entity_id,
        row.entity_name,
        row.source,
        json.loads(row.list_change) if row.list_change else None,
        row.cause,
        row.risk_before,
        row.risk_after,
        id=row.id,
        status=row.status,
    )
