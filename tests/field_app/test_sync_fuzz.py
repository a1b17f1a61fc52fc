"""Fuzzing /api/sync (issue 12): a few thousand random and hostile records and batches, from a
fixed seed, on a real database. The server never answers 5xx, and every row it stores is whole
and is the normal form of a record it answered ``created`` (nothing half-written, nothing else).
"""

from __future__ import annotations

import copy
import json
import random
import uuid

from sqlalchemy import select

from field_app import records, vocab
from field_app.db import new_session
from field_app.models import (
    AGE_COLUMNS,
    Interaction,
    InvitationCard,
    Record,
    StopEvent,
    age_column,
)

from .conftest import coop_interaction, interaction, stop_ids, tally, user_id
from .test_coop import at_paris

SEED = 20261126
STATUSES = {"created", "duplicate", "conflict", "invalid", "forbidden", "not_found", "cancelled"}
FIELDS = ("uuid", "kind", "stop_id", "at", "data", "replaces")
DATA_KEYS = (
    "v", "ages", "genres", "statuts", "topics", "equipment", "invitations", "visit", "note",
    "band", "lat", "lon", "accuracy_m", "code", "extra",
)  # fmt: skip
ODD_TEXT = [
    "\ud800",  # lone surrogates
    "a\udfffb",
    "\u202eRTL\u202c",  # right-to-left override
    "مرحبا بالعالم",
    "שלום",
    "\ufeff",
    "e\u0301",
    "😀" * 50,
    "\x00",
    "=1+1",
    "",
    " ",
    "x" * 100_000,  # huge
    "n" * 281,
]
NUMBERS = [0, -1, 1, 500, 501, 2**31 - 1, 2**31, 2**63, 2**64, -(2**63), 10**30, 1e308, -0.0,
           0.5, 1e-300, float("inf"), float("nan"), True, False]  # fmt: skip


def odd_time(rng: random.Random) -> str:
    """An ISO time anywhere in years 1–9999, with an odd timezone, or a plausible one."""
    if rng.random() < 0.4:
        return at_paris(rng.randint(0, 23), rng.randint(0, 59))  # today: mostly valid
    year = rng.choice([1, 2, 1969, 1970, 2019, 2020, 2025, 2026, 2027, 9999, rng.randint(1, 9999)])
    stamp = f"{year:04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T"
    stamp += f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    stamp += rng.choice(["", ".5", ".123456", ".1234567"])
    return stamp + rng.choice(
        ["Z", "", "+00:00", "-00:00", "+14:00", "-12:00", "+23:59", "-23:59", "+05:45", "+24:00",
         "+1:00", " Z", "z", "+00:00:30"]
    )  # fmt: skip


def odd_value(rng: random.Random, depth: int = 0):
    roll = rng.random()
    if roll < 0.25:
        return rng.choice(NUMBERS)
    if roll < 0.45:
        return rng.choice(ODD_TEXT)
    if roll < 0.55:
        return odd_time(rng)
    if roll < 0.6:
        return None
    if roll < 0.7 and depth < 3:
        return [odd_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if roll < 0.8 and depth < 3:
        return {rng.choice(DATA_KEYS): odd_value(rng, depth + 1)}
    return rng.choice(["interaction", "tally", "checkin", "void", "invitation", "first", "x"])


def fuzzed(rng: random.Random, stops: list[int], sent: list[dict]) -> dict | object:
    """A valid record of some kind, then 0–4 of its fields broken, removed or added."""
    stop = rng.choice(stops)
    when = at_paris(rng.randint(0, 12))
    kind = rng.random()
    if kind < 0.35:
        record = coop_interaction(stop, at=when)
    elif kind < 0.45:
        record = interaction(stop, at=when)  # the first form's
    elif kind < 0.65:
        record = tally(stop, rng.choice([*vocab.TRANCHES_AGE, None]), at=when)
    elif kind < 0.75:
        record = {
            "uuid": str(uuid.uuid4()),
            "kind": rng.choice(["checkin", "checkout"]),
            "stop_id": stop,
            "at": when,
            "data": {"lat": rng.uniform(-90, 90), "lon": rng.uniform(-180, 180)},
        }
    elif kind < 0.8:
        record = {"uuid": str(uuid.uuid4()), "kind": "invitation", "stop_id": stop, "at": when}
        record["data"] = {"code": None}
    elif kind < 0.85 and sent:  # a correction or deletion of something sent before
        target = rng.choice(sent)
        record = coop_interaction(stop, at=when)
        record["kind"] = rng.choice(["interaction", "void"])
        record["replaces"] = target.get("uuid") if isinstance(target, dict) else None
    elif kind < 0.9 and sent:  # a duplicate, or the same uuid with other content
        record = copy.deepcopy(rng.choice(sent))
        if isinstance(record, dict) and rng.random() < 0.5:
            record["at"] = at_paris(rng.randint(0, 12))
        return record
    elif kind < 0.93:
        return odd_value(rng)  # not even an object
    else:
        record = coop_interaction(stop, at=when)
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 4])):
        roll = rng.random()
        data = record.get("data")
        if roll < 0.1:
            record.pop(rng.choice(FIELDS), None)  # missing field
        elif roll < 0.2:
            record[rng.choice(["extra", "user", "queued_at", "__proto__"])] = odd_value(rng)
        elif roll < 0.3:
            record["at"] = odd_time(rng)
        elif roll < 0.45:
            record[rng.choice(FIELDS)] = odd_value(rng)
        elif isinstance(data, dict):
            key = rng.choice(DATA_KEYS)
            inner = data.get(key)
            if isinstance(inner, dict) and inner and rng.random() < 0.6:
                inner[rng.choice([*inner, "unknown_band"])] = odd_value(rng)
            elif isinstance(inner, list) and rng.random() < 0.5:
                inner.append(odd_value(rng))
            elif rng.random() < 0.2:
                data.pop(key, None)
            else:
                data[key] = odd_value(rng)
    return record


def post(client, auth, body: str):
    return client.post(
        "/api/sync",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": auth.api_token()},
    )


def expected_row_checks(record: records.ParsedRecord, row) -> None:
    """The stored row is the whole record, field by field."""
    assert (row.stop_id, row.at) == (record.stop_id, record.at)
    d = record.data
    if record.kind in ("checkin", "checkout"):
        assert (row.kind, row.lat, row.lon, row.accuracy_m) == (
            record.kind, d["lat"], d["lon"], d["accuracy_m"],
        )  # fmt: skip
        return
    counts = {column: getattr(row, column) for column in AGE_COLUMNS}
    if record.kind == "tally":
        band = age_column(d["band"]) if d["band"] else "age_unknown"
        assert row.source == "tally" and counts == {c: int(c == band) for c in AGE_COLUMNS}
        return
    wanted = {age_column(band): n for band, n in d["ages"].items()}
    assert counts == {c: wanted.get(c, 0) for c in AGE_COLUMNS}
    assert row.people == sum(d["ages"].values()) > 0
    for code, n in d.get("genres", {}).items():
        assert getattr(row, f"genre_{code}") == n
    for code, n in d.get("statuts", {}).items():
        assert getattr(row, f"statut_{code}") == n
    assert (row.topics, row.equipment, row.invitations, row.visit, row.note) == (
        " ".join(d["topics"]), " ".join(d["equipment"]), " ".join(d["invitations"]),
        d["visit"], d["note"],
    )  # fmt: skip


def test_thousands_of_hostile_records_never_5xx_nor_a_partial_row(app, client, auth):
    rng = random.Random(SEED)
    auth.login("alice")
    alice = user_id(app, "alice")
    own = stop_ids(app, "van-1")
    stops = own * 6 + stop_ids(app, "van-2") + [0, -1, 2**31, 2**64]
    sent: list = []
    created: dict[str, dict] = {}  # uuid → the record as it was sent
    answered = refused_batches = 0
    seen: set[str] = set()
    for batch_no in range(60):
        size = rng.choice([1, 2, 50, 150, 200, 200, 201])  # 201: over the limit, all refused
        batch = [fuzzed(rng, stops, sent) for _ in range(size)]
        body = {"records": batch}
        if batch_no % 10 == 9:  # a malformed batch: refused whole
            body = rng.choice([{"records": {"0": batch[0]}}, {"record": batch}, {"records": None}])
        elif batch_no % 10 == 4:  # a record nested deeper than 16 levels: the batch is refused
            batch[rng.randrange(size)] = {"data": {"ages": json.loads("[" * 20 + "]" * 20)}}
        elif batch_no % 10 == 6:
            body["extra"] = odd_value(rng)
        text = json.dumps(body)  # lone surrogates travel as \ud800, NaN as NaN
        response = post(client, auth, text)
        assert response.status_code in (200, 400), response.get_data(as_text=True)[:500]
        assert response.is_json
        if response.status_code == 400:
            assert response.get_json()["error"]
            refused_batches += 1
            continue
        results = response.get_json()["results"]
        assert len(results) == len(batch)
        for raw, result in zip(batch, results, strict=True):
            assert result["status"] in STATUSES, result
            assert result["code"] < 500 and len(result.get("message", "")) <= 200
            answered += 1
            seen.add(result["status"])
            if result["status"] == "created":
                assert result["uuid"] not in created, "created twice"
                created[result["uuid"]] = copy.deepcopy(raw)
        sent.extend(batch)
    assert answered > 3000 and refused_batches >= 12, (answered, refused_batches)
    assert len(created) > 300, len(created)
    assert seen == STATUSES - {"cancelled"}, seen  # every answer but « cancelled » occurred
    kinds = {raw["kind"] for raw in created.values()}
    assert kinds == {"interaction", "tally", "checkin", "checkout", "invitation", "void"}, kinds

    with new_session(app) as session:
        ledger = {row.uuid: row for row in session.scalars(select(Record))}
        assert set(ledger) == set(created)  # nothing stored that was not answered created
        interactions = {row.record_uuid: row for row in session.scalars(select(Interaction))}
        events = {row.record_uuid: row for row in session.scalars(select(StopEvent))}
        cards = {
            row.handout_record: row
            for row in session.scalars(select(InvitationCard))
            if row.handout_record
        }
        assert set(interactions) | set(events) | set(cards) <= set(ledger)
        for uid, row in ledger.items():
            record = records.parse_record(created[uid])
            assert row.content == record.canonical() and row.user_id == alice
            assert (row.kind, row.stop_id, row.client_at) == (
                record.kind, record.stop_id, record.at,
            )  # fmt: skip
            assert row.stop_id in own and row.replaces == record.replaces
            if record.kind in ("interaction", "tally"):
                if row.superseded_by is None:
                    expected_row_checks(record, interactions[uid])
                else:  # a correction or deletion took its place
                    assert uid not in interactions and row.superseded_by in ledger
            elif record.kind in ("checkin", "checkout"):
                expected_row_checks(record, events[uid])
            elif record.kind == "invitation":
                assert cards[uid].stop_id == record.stop_id and cards[uid].code is None
            else:
                assert record.kind == "void" and row.superseded_by is None
                assert ledger[record.replaces].superseded_by == uid
