"""The service's long-lived state: the screener (one name index, shared under a lock), the case
database, the batched audit writer, authentication, rate limits and the decisions in force."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Any

from supplyscreen.api.ids import LINK_PROPS, EntityLinks, public_records
from supplyscreen.api.security import Authenticator, RateLimiter, ReadTokens, SessionSigner
from supplyscreen.cases import AuditWriter, Cases, DecisionLookup
from supplyscreen.errors import SupplyscreenError
from supplyscreen.model import Entity, Hit, to_ftm
from supplyscreen.model.ftm import entity_topics
from supplyscreen.screener import Screener
from supplyscreen.settings import ServiceSettings as Settings
from supplyscreen.store.history import Seen, entity_history

log = logging.getLogger("supplyscreen.api")


class SharedScreener:
    """A :class:`Screener` whose matcher is used by one thread at a time.

    The matcher keeps per-query scratch state, so request handlers and the job thread take turns;
    a match takes a few milliseconds, so nobody waits long. Screening code sees the usual interface.
    """

    def __init__(self, screener: Screener, lock: threading.Lock, decisions: DecisionLookup | None) -> None:
        self._screener = screener
        self._lock = lock
        self.store = screener.store
        self.decisions = decisions

    @property
    def snapshot_version(self) -> str:
        return self._screener.snapshot_version

    @property
    def matcher(self) -> Any:
        return self._screener.matcher

    def match(self, name: str, **options: Any) -> list[Hit]:
        with self._lock:
            return self._screener.match(name, **options)

    def context_hit(self, name: str) -> Hit | None:
        with self._lock:
            return self._screener.context_hit(name)


class ServiceState:
    """Everything the routes share; built once per app by :func:`supplyscreen.api.create_app`."""

    def __init__(self, settings: Settings, screener: Screener, cases: Cases) -> None:
        self.settings = settings
        self.screener = screener
        self.cases = cases
        self.match_lock = threading.Lock()
        self.audit = AuditWriter(cases.audit, spool=settings.home / "audit.spool.jsonl")
        self.auth = Authenticator(cases.accounts, settings.auth_cache_seconds)
        self.limiter = RateLimiter(settings.rate_limit, settings.rate_burst)
        self.login_limiter = RateLimiter(1.0, 10.0)
        self.sessions = SessionSigner(settings.resolved_secret(), settings.session_hours)
        self.read_tokens = ReadTokens(settings.resolved_secret())
        self.jobs_dir = settings.home / "jobs"
        self._decisions: DecisionLookup = DecisionLookup()
        self._decisions_id = -1
        self._decisions_lock = threading.Lock()
        self._ftm: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.memo: dict[str, Any] = {}  # facts of the loaded snapshot (datasets, suggestion keys)
        #: the active version (as ``Store.active_version`` names it) the loaded lists are
        self.serving_version = screener.store.active_version
        self._reload_lock = threading.Lock()
        self._reload_failed: str | None = None

    # -- lists ------------------------------------------------------------------------------------
    @property
    def list_version(self) -> str:
        return self.screener.snapshot_version

    def lists_changed(self) -> bool:
        """Whether the data directory's active version is no longer the one served (an update by the
        schedule, by `lists update` or by another process)."""
        try:
            return self.screener.store.active_version != self.serving_version
        except OSError:
            return False

    def reload_lists(self) -> bool:
        """Serve the active version when it is not the one loaded: a new screener is opened beside
        the old one (its name index loaded from the cache or built), then swapped in with the caches
        of the old lists dropped; answers use the old lists until the swap. False when nothing
        changed (or loading that version failed before: it is not tried again)."""
        with self._reload_lock:
            version = self.screener.store.active_version
            if version == self.serving_version or version == self._reload_failed:
                return False
            try:
                fresh = Screener.open(self.screener.store.home)
                fresh.matcher  # noqa: B018 - the name index, before the new lists answer anything
                fresh.store.preload()
            except Exception:
                self._reload_failed = version
                log.exception(
                    "could not load list version %s; still serving %s", version, self.serving_version
                )
                raise
            with self.match_lock:
                self.screener = fresh
                self.memo = {}
                self._ftm = OrderedDict()
                self.serving_version = version  # a version activated meanwhile is loaded next time
            self.links()  # read what start-up reads, before the next request needs it
            self.history()
            log.info("serving list version %s", self.serving_version)
            return True

    def entity(self, entity_id: str) -> Entity | None:
        """The entity an id names: its API id, its key or a referent (``api.ids``)."""
        try:
            return self.screener.store.get(self.links().key(entity_id))
        except SupplyscreenError:
            return None

    def entity_ftm(self, entity_id: str) -> dict[str, Any] | None:
        """The entity as a FollowTheMoney object with the API's ids, its sanctions and relations (its
        own and those of entities that name it) in ``_records`` for ``api.entities`` to nest; cached:
        the snapshot does not change while serving."""
        found = self._ftm.get(entity_id)
        if found is not None:
            return found
        entity = self.entity(entity_id)
        if entity is None:
            return None
        links = self.links()
        objects = public_records(entity.id, to_ftm(entity) + self._incoming_records(entity.id), links)
        main = dict(objects[0])
        main["target"] = any(m.is_hit for m in entity.memberships)
        seen = self.history().get(entity.id)
        main["first_seen"] = seen.first_seen if seen else None
        main["last_seen"] = seen.last_seen if seen else None
        main["last_change"] = seen.last_change if seen else None
        main["_records"] = objects[1:]
        self._ftm[entity_id] = main
        if len(self._ftm) > 20_000:
            self._ftm.popitem(last=False)
        return main

    def _incoming_records(self, key: str) -> list[dict[str, Any]]:
        """The relation records of other entities that name the entity ``key``."""
        records: list[dict[str, Any]] = []
        for source_key in dict.fromkeys(self.links().incoming.get(key, ())):
            source = self.entity(source_key)
            if source is not None:
                records.extend(
                    record
                    for record in to_ftm(source)[1:]
                    if record["schema"] != "Sanction"
                    and key in {v for p in LINK_PROPS for v in record["properties"].get(p, ())}
                )
        return records

    def summaries(self) -> list[dict[str, Any]]:
        """Every entity in the little of its FtM shape that the API's filters and facets read (id,
        schema, datasets, referents, target, topics, countries), in list order; read once."""
        found: list[dict[str, Any]] | None = self.memo.get("summaries")
        if found is None:
            links = self.links()
            found = [
                {
                    "id": links.public_id(e.id),
                    "schema": e.schema,
                    "datasets": e.list_codes,
                    "referents": [e.id, *e.source_ids],
                    "target": any(m.is_hit for m in e.memberships),
                    "last_change": seen.last_change if (seen := self.history().get(e.id)) else None,
                    "properties": {"topics": entity_topics(e), "country": list(e.countries)},
                }
                for e in self.screener.store.entities()
            ]
            self.memo["summaries"] = found
        return found

    def history(self) -> dict[str, Seen]:
        """First seen, last seen and last changed, per entity key, across the installed versions."""
        found: dict[str, Seen] | None = self.memo.get("history")
        if found is None:
            found = self.memo["history"] = entity_history(self.screener.store)
        return found

    def links(self) -> EntityLinks:
        """Ids, referents and incoming relations of the snapshot (read once)."""
        links: EntityLinks | None = self.memo.get("links")
        if links is None:
            links = self.memo["links"] = EntityLinks.of(self.screener.store.entities())
        return links

    def match(self, name: str, **options: Any) -> list[Hit]:
        with self.match_lock:
            return self.screener.match(name, **options)

    # -- decisions --------------------------------------------------------------------------------
    def decisions(self) -> DecisionLookup:
        """The decisions in force; re-read from the database when a new one was recorded (any process)."""
        with self._decisions_lock:
            latest = self.cases.decisions.latest_id()
            if latest != self._decisions_id:
                self._decisions = self.cases.decisions.lookup()
                self._decisions_id = latest
        return self._decisions

    def shared_screener(self) -> SharedScreener:
        """The screener for a screening run, with the decisions in force now."""
        lookup = self.decisions()
        return SharedScreener(self.screener, self.match_lock, lookup if lookup else None)

    def close(self) -> None:
        self.audit.close()
        self.cases.close()
