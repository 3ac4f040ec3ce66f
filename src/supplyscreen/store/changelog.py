"""What changed between two versions of the lists, per source record, and since when each record is known.

Each snapshot written with a version before it keeps two files beside its entities:

* ``changes.jsonl.gz``: the change log. One line per source record (a source and its own id,
  ``us_ofac_nonsdn:26182``) that was added, removed or changed by a version, with what changed
  (name, aliases, programs, addresses, identifiers …), the version and its date. The log is
  cumulative: a new version copies the log of the version it was made from and appends its own
  changes, so it keeps the history of versions that have since been pruned.
* ``seen.jsonl.gz``: for every source record of the snapshot, when it was first seen and when it
  last changed, carried from version to version.

Changes are kept per source record, not per merged entity: an entity merged across lists shows which
of its memberships changed. What counts as a change is what a reader of the list would call one:

* letter case, spacing and punctuation of a name or an address are not changes, nor is how an
  address is split into street, city and country (addresses are compared as the words they hold);
* a field that the older file's format carries and the newer one's does not (listing dates, names
  and addresses in other scripts: OFAC's enhanced XML has them, its legacy CSV does not) is not a
  change: the newer version keeps the older one's values (:func:`carry_forward`);
* the lists a record is on are not compared, its programs are: OFAC's enhanced XML also names the
  SDN list for a non-SDN entry that is on it, which its legacy CSV cannot say.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from supplyscreen.model import Address, Entity, Name
from supplyscreen.model.entity import detect_script

CHANGES = "changes.jsonl.gz"
SEEN = "seen.jsonl.gz"
ADDED, REMOVED, CHANGED = "added", "removed", "changed"
#: The fields compared, in the order a change shows them.
FIELDS = ("schema", "name", "aliases", "programs", "addresses", "identifiers", "birth_dates")

_WORDS = re.compile(r"\w+")


@dataclass(slots=True)
class RecordChange:
    """One source record added, removed or changed by a version."""

    version: str
    date: str  # ISO date-time without a zone, "2025-12-19T00:00:00"
    source: str
    source_id: str
    entity_id: str  # the merged entity holding the record (in the older version, for a removal)
    caption: str
    change: str  # added, removed or changed
    lists: list[str] = field(default_factory=list)  # list codes of the record, before and after
    fields: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # field → added/removed values

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "date": self.date,
            "source": self.source,
            "source_id": self.source_id,
            "entity_id": self.entity_id,
            "caption": self.caption,
            "change": self.change,
            "lists": self.lists,
            "fields": self.fields,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecordChange:
        return cls(
            version=str(data["version"]),
            date=str(data["date"]),
            source=str(data["source"]),
            source_id=str(data["source_id"]),
            entity_id=str(data["entity_id"]),
            caption=str(data.get("caption") or ""),
            change=str(data["change"]),
            lists=list(data.get("lists") or ()),
            fields={
                k: {d: list(v) for d, v in what.items()} for k, what in (data.get("fields") or {}).items()
            },
        )


def fold_words(text: str | None) -> str:
    """Letter case, accents' composition, spacing and punctuation folded away: the words, lower case."""
    return " ".join(_WORDS.findall(unicodedata.normalize("NFKC", text or "").casefold()))


def _address(a: Address) -> str:
    return _address_key((a.full, a.street, a.city, a.region, a.postal_code))


def _address_key(parts: Iterable[str | None]) -> str:
    """An address as the sorted words it holds: how it is split into fields is not a change."""
    words = sorted({w for part in parts if part for w in _WORDS.findall(fold_words(part))})
    return " ".join(words)


def _identifier_key(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())


def comparable(entity: Entity) -> dict[str, frozenset[str]]:
    """The values of a record that a change is measured on, each folded as the module says."""
    primary = entity.caption
    names = {fold_words(n.value) for n in entity.names}
    return {
        "schema": frozenset({entity.schema}),
        "name": frozenset({fold_words(primary)}),
        "aliases": frozenset(names - {fold_words(primary)} - {""}),
        "programs": frozenset(m.program for m in entity.memberships if m.program),
        "addresses": frozenset(k for k in (_address(a) for a in entity.addresses) if k),
        "identifiers": frozenset(
            k for k in (_identifier_key(i.value) for i in entity.identifiers if i.type != "ofac_ent_num") if k
        ),
        "birth_dates": frozenset(entity.birth_dates),
    }


def _shown(entity: Entity, what: str, keys: frozenset[str]) -> list[str]:
    """The values behind folded keys, as the record writes them (for the reader of a change)."""
    if what == "name":
        return [entity.caption]
    if what == "aliases":
        return sorted(
            {n.value for n in entity.names if fold_words(n.value) in keys and n.value != entity.caption}
        )
    if what == "addresses":
        return sorted(a.full for a in entity.addresses if _address(a) in keys)
    if what == "identifiers":
        return sorted(
            {f"{i.type}: {i.value}" for i in entity.identifiers if _identifier_key(i.value) in keys}
        )
    return sorted(keys)


def compare(old: Entity, new: Entity) -> dict[str, dict[str, list[str]]]:
    """What changed from ``old`` to ``new`` (two versions of one source record), field by field:
    ``{"programs": {"added": ["RUSSIA-EO14024"], "removed": []}}``; empty when nothing did."""
    before, after = comparable(old), comparable(new)
    out: dict[str, dict[str, list[str]]] = {}
    for what in FIELDS:
        if before[what] == after[what]:
            continue
        if what == "name":
            out[what] = {"added": [new.caption], "removed": [old.caption]}
            continue
        out[what] = {
            "added": _shown(new, what, after[what] - before[what]),
            "removed": _shown(old, what, before[what] - after[what]),
        }
    return out


# -- carrying forward what a newer file's format does not hold --------------------------------------


def _non_latin(name: Name) -> bool:
    return name.script not in ("Latin", "Other")


def _non_latin_text(text: str) -> bool:
    return detect_script(text) not in ("Latin", "Other")


def carry_forward(old: Iterable[Entity], new: Sequence[Entity]) -> list[str]:
    """Give the records of ``new`` the fields their older versions in ``old`` had and the newer
    source as a whole has none of: listing dates, names in other scripts. A file format that does
    not carry a field says nothing about it; that is not a change. Returns notes of what was carried."""
    cased = _keep_spelling(old := list(old), new)
    new_has_dates = any(m.listed_on for e in new for m in e.memberships)
    new_has_scripts = any(_non_latin(n) for e in new for n in e.names)
    new_has_script_addresses = any(_non_latin_text(a.full) for e in new for a in e.addresses)
    if new_has_dates and new_has_scripts and new_has_script_addresses:
        return _spelling_note(cased)
    by_id = {_record_id(e): e for e in old}
    dates = names = addresses = 0
    for entity in new:
        before = by_id.get(_record_id(entity))
        if before is None:
            continue
        if not new_has_dates:
            listed = {(m.list_code, m.program): m.listed_on for m in before.memberships if m.listed_on}
            by_list = {m.list_code: m.listed_on for m in before.memberships if m.listed_on}
            for m in entity.memberships:
                m.listed_on = listed.get((m.list_code, m.program)) or by_list.get(m.list_code)
                dates += m.listed_on is not None
        if not new_has_scripts:
            for n in before.names:
                if _non_latin(n) and all(x.value != n.value for x in entity.names):
                    entity.names.append(
                        Name(n.value, "alias" if n.kind == "primary" else n.kind, n.script, n.lang)
                    )
                    names += 1
        if not new_has_script_addresses:
            for a in before.addresses:
                if _non_latin_text(a.full) and all(x.full != a.full for x in entity.addresses):
                    entity.addresses.append(a)
                    addresses += 1
    notes = _spelling_note(cased)
    if dates:
        notes.append(
            f"{dates} listing dates carried from the previous version (the new file's format has none)"
        )
    if addresses:
        notes.append(
            f"{addresses} addresses in other scripts carried from the previous version "
            "(the new file's format has none)"
        )
    if names:
        notes.append(
            f"{names} names in other scripts carried from the previous version "
            "(the new file's format has none)"
        )
    return notes


def _keep_spelling(old: Iterable[Entity], new: Sequence[Entity]) -> int:
    """Names that differ from the previous version's only in letter case or spacing keep the previous
    spelling (OFAC's CSV writes in capitals what its XML writes in mixed case): no change is no
    change, in what a reader sees either. Returns how many names kept it."""
    by_id = {_record_id(e): e for e in old}
    kept = 0
    for entity in new:
        before = by_id.get(_record_id(entity))
        if before is None:
            continue
        spelling = {fold_words(n.value): n.value for n in before.names}
        for name in entity.names:
            earlier = spelling.get(fold_words(name.value))
            if earlier is not None and earlier != name.value and earlier.casefold() != earlier:
                if " ".join(earlier.casefold().split()) == " ".join(name.value.casefold().split()):
                    name.value = earlier
                    kept += 1
    return kept


def _spelling_note(kept: int) -> list[str]:
    return [f"{kept} names keep the previous version's letter case"] if kept else []


def _record_id(entity: Entity) -> str:
    """A source record's own id: its first source id (a reader gives one), else the entity id."""
    return entity.source_ids[0] if entity.source_ids else entity.id


# -- the changes of one source --------------------------------------------------------------------


def source_changes(
    code: str,
    old: Iterable[Entity],
    new: Iterable[Entity],
    *,
    version: str,
    date: str,
    old_ids: Mapping[str, str],
    new_ids: Mapping[str, str],
) -> list[RecordChange]:
    """The records of one source added, removed or changed from ``old`` to ``new``, each with the
    merged entity that holds it (``new_ids``/``old_ids``: source id → entity id), in id order."""
    before = {_record_id(e): e for e in old}
    after = {_record_id(e): e for e in new}
    out: list[RecordChange] = []
    for sid in sorted(before.keys() | after.keys()):
        was, now = before.get(sid), after.get(sid)
        fields: dict[str, dict[str, list[str]]] = {}
        if was is None and now is not None:
            kind = ADDED
        elif now is None and was is not None:
            kind = REMOVED
        elif was is not None and now is not None:
            fields = compare(was, now)
            if not fields:
                continue
            kind = CHANGED
        else:  # pragma: no cover - a key comes from one of the two
            continue
        shown = now if now is not None else was
        assert shown is not None
        lists = list(dict.fromkeys(m.list_code for e in (was, now) if e is not None for m in e.memberships))
        entity_id = new_ids.get(sid) if now is not None else old_ids.get(sid)
        out.append(
            RecordChange(version, date, code, sid, entity_id or sid, shown.caption, kind, lists, fields)
        )
    return out


def merged_ids(records: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """{source id: merged entity id} of a snapshot's stored entity records."""
    out: dict[str, str] = {}
    for record in records:
        for sid in record.get("source_ids") or (record["id"],):
            out[sid] = record["id"]
    return out


def entity_sources(records: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """{merged entity id: its source ids} of a snapshot's stored entity records."""
    return {r["id"]: list(r.get("source_ids") or (r["id"],)) for r in records}


# -- the history a new version carries ------------------------------------------------------------


@dataclass(slots=True)
class History:
    """What a snapshot keeps of the versions before it: the cumulative change log, when each source
    record was first seen and last changed, and the versions the log runs through, oldest first."""

    changes: list[RecordChange] = field(default_factory=list)
    seen: dict[str, tuple[str, str]] = field(default_factory=dict)  # source id → (first_seen, last_change)
    lineage: list[str] = field(default_factory=list)


def iso_date(value: str | None) -> str | None:
    """A date or date-time as ``YYYY-MM-DDTHH:MM:SS`` (a partial date takes the first day)."""
    if not value:
        return None
    text = value.strip().replace(" ", "T").rstrip("Z")
    parts = text[:10].split("-")
    if not parts[0].isdigit() or len(parts[0]) != 4:
        return None
    parts += ["01"] * (3 - len(parts))
    day = "-".join(p.zfill(2) for p in parts[:3])
    return day + (text[10:19] if len(text) >= 19 else "T00:00:00")


def next_history(
    previous: History | None,
    previous_version: str | None,
    previous_sources: Mapping[str, Sequence[Entity]],
    previous_ids: Mapping[str, str],
    sources: Mapping[str, Sequence[Entity]],
    new_ids: Mapping[str, str],
    *,
    version: str,
    dates: Mapping[str, str],
    compare_sources: Iterable[str],
    previous_entities: Mapping[str, list[str]] | None = None,
) -> History:
    """The history of a new version made from a previous one.

    ``sources`` are the new version's entities per source as read (before linkage), ``new_ids``
    its source ids → merged entity ids; ``previous_sources`` and ``previous_ids`` the same of the
    version it was made from, for the sources in ``compare_sources`` (those whose files changed, and
    those added or dropped). ``dates`` gives each source's date of this version.
    """
    history = History(
        changes=list(previous.changes) if previous else [],
        seen=dict(previous.seen) if previous else {},
        lineage=[*(previous.lineage if previous else ([previous_version] if previous_version else []))],
    )
    new: list[RecordChange] = []
    if previous_version is not None:
        for code in compare_sources:
            new.extend(
                source_changes(
                    code,
                    previous_sources.get(code, ()),
                    sources.get(code, ()),
                    version=version,
                    date=dates[code] if code in dates else max(dates.values()),
                    old_ids=previous_ids,
                    new_ids=new_ids,
                )
            )
    history.changes.extend(new)
    history.lineage.append(version)
    seen = history.seen
    present: set[str] = set()
    for code, entities in sources.items():
        date = dates[code]
        for entity in entities:
            sid = _record_id(entity)
            present.add(sid)
            if sid not in seen:
                seen[sid] = (date, date)
    for change in new:
        if change.change == ADDED:
            seen[change.source_id] = (change.date, change.date)
        elif change.change == CHANGED:
            first = seen.get(change.source_id, (change.date, change.date))[0]
            seen[change.source_id] = (first, change.date)
        elif previous_entities is not None:
            # a membership gone from a merged entity changes the records it was merged with
            for sibling in previous_entities.get(change.entity_id, ()):
                if sibling in present and sibling != change.source_id:
                    first = seen.get(sibling, (change.date, change.date))[0]
                    seen[sibling] = (first, max(change.date, seen.get(sibling, ("", ""))[1]))
    history.seen = {sid: seen[sid] for sid in present}
    return history
