"""The sync contract: validate client records and apply each one exactly once.

A record is ``{"uuid", "kind", "stop_id", "at", "data"}``; ``data.v`` is the version of the form
that made it: 2 the Coop's, absent the first form, whose records phones may still hold and which
are accepted and stored as they always were. Its content (everything but the uuid, normalised) is
hashed: the same uuid with the same content is accepted again without a new row (200), with other
content it is refused (409). Each record runs in its own SAVEPOINT so one bad record never takes
the others of its batch down: whatever a client sends, a record is answered alone, with a 4xx
status and a French reason when it can never be stored (the phone keeps it aside) and 5xx only
for a failure worth retrying (the phone keeps it queued).

Mistakes are fixed the same way, offline first: a record with ``"replaces": <uuid>`` supersedes
an earlier one — an ``interaction`` with the corrected form, or ``kind`` ``"void"`` (no data) to
delete an encounter or a « +1 ». The earlier ledger row is kept with its content and marked
``superseded_by``; its ``interactions`` row is removed, so every count and export reads the
current version only. Agents fix only their own records, on the day of the tour (the fix's own
time, so a phone that syncs the next morning still gets its fixes in); coordinators any. A record already
superseded cannot be superseded again (409): correct the correction instead.

A record of kind ``invitation`` (``data``: ``{"code": "ABC234"}``, or ``{"code": null}`` for a
card « sans code ») hands out an invitation card at its stop (`field_app.invitations`): an
unknown code is 422, a card already handed out by another record 409.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid as uuidlib
from collections.abc import Collection
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import delete, update
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from dynamobile.errors import InputError

from . import invitations, vocab
from .models import Interaction, Record, Stop, StopEvent, TourAgent, User, age_column

log = logging.getLogger(__name__)

MAX_PER_BAND = 500
MAX_NOTE = 280
MAX_ID = 2**31 - 1  # ids are 32-bit INTEGER columns: a larger one must not reach the database
EARLIEST = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)  # before the Dynamobile existed
FUTURE_SLACK = dt.timedelta(days=1)  # a phone's clock may be wrong, not by more than a day
MAX_JSON_DEPTH = 16  # a real record nests 4 levels deep (body, records, record, data, ages)
MAX_MESSAGE = 200  # a reason quotes client values: keep the answer short whatever they are
# A stop cancelled while the phone was offline: the record is set aside, not stored, so that a
# cancelled stop never gets counts (the coordinator un-cancels it if the team was there).
CANCELLED = (
    "arrêt annulé par la coordination : enregistrement mis de côté, prévenez la coordination"
)
VOID = "void"  # a deletion: a record that only supersedes another
KINDS = (*vocab.RECORD_KINDS, VOID, invitations.KIND)
PARIS = ZoneInfo("Europe/Paris")
CORRECTABLE = {"interaction": ("interaction",), VOID: ("interaction", "tally")}


@dataclass(frozen=True)
class ParsedRecord:
    uuid: str
    kind: str
    stop_id: int
    at: dt.datetime
    data: dict  # normalised
    replaces: str | None = None  # uuid of the record this one corrects or deletes

    def canonical(self) -> str:
        body = {
            "kind": self.kind,
            "stop_id": self.stop_id,
            "at": self.at.isoformat(),
            "data": self.data,
        }
        if self.replaces is not None:  # absent otherwise: earlier records keep their hash
            body["replaces"] = self.replaces
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class RecordResult:
    uuid: str | None
    status: (
        str  # created | duplicate | conflict | invalid | forbidden | not_found | cancelled | error
    )
    code: int
    message: str = ""

    def to_dict(self) -> dict:
        out = {"uuid": self.uuid, "status": self.status, "code": self.code}
        if self.message:
            out["message"] = self.message
        return out


def _text(raw, field: str) -> str:
    """A string that UTF-8 and every database can store: no lone surrogate, no NUL."""
    if not isinstance(raw, str):
        raise InputError(f"{field} : texte attendu")
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{field} : caractère invalide (texte Unicode mal formé)") from None
    if "\x00" in raw:
        raise InputError(f"{field} : caractère nul interdit")
    return raw


def _codes(raw, allowed: Collection[str], field: str) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw):
        raise InputError(f"{field} : liste de codes attendue")
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise InputError(f"{field} : code(s) inconnu(s) {', '.join(unknown)}")
    return sorted(set(raw))


def _count(raw, field: str) -> int:
    if raw is None:
        return 0
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= MAX_PER_BAND:
        raise InputError(f"{field} : entier entre 0 et {MAX_PER_BAND} attendu")
    return raw


def _coordinate(raw, field: str, limit: float) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not -limit <= raw <= limit:
        raise InputError(f"{field} : nombre invalide")
    return float(raw)


def _counts(raw, codes, field: str, unknown_what: str) -> dict[str, int]:
    """A count per code from ``{code: n}`` (missing codes: 0); ``unknown_what`` names bad keys."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InputError(f"{field} : objet attendu")
    unknown = sorted(set(raw) - set(codes))
    if unknown:
        raise InputError(f"{field} : {unknown_what} {', '.join(unknown)}")
    return {code: _count(raw.get(code), f"{field}.{code}") for code in codes}


def _ages(raw, codes, field: str = "ages") -> dict[str, int]:
    return _counts(raw, codes, field, "tranche(s) inconnue(s)")


def _subcounts(raw, codes, field: str, total: int) -> dict[str, int]:
    """Optional counts of some of the people (gender, social status): at most ``total``."""
    counts = _counts(raw, codes, field, "code(s) inconnu(s)")
    if sum(counts.values()) > total:
        raise InputError(
            f"{field} : plus de personnes ({sum(counts.values())}) que dans les tranches d'âge ({total})"
        )
    return counts


def _common(data: dict) -> dict:
    visit = data.get("visit") or "unknown"
    if not isinstance(visit, str) or visit not in vocab.VISITS:
        raise InputError(f"visit : valeur inconnue {visit!r}")
    note = data.get("note") or ""
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise InputError(f"note : texte de {MAX_NOTE} caractères au plus")
    note = _text(note, "note")
    return {
        "invitations": _codes(data.get("invitations"), vocab.INVITATIONS, "invitations"),
        "visit": visit,
        "note": note.strip(),
    }


def _interaction_v1(data: dict) -> dict:
    """The first form's record; its normal form must never change (it is hashed, see module doc)."""
    counts = _ages(data.get("ages") or {}, tuple(vocab.V1_AGE_BANDS))
    if sum(counts.values()) == 0:
        raise InputError("ages : au moins une personne")
    common = _common(data)
    return {
        "ages": counts,
        "topics": _codes(data.get("topics"), vocab.V1_TOPIC_CODES, "topics"),
        "equipment": _codes(data.get("equipment"), vocab.V1_EQUIPMENT_CODES, "equipment"),
        "invitations": common["invitations"],
        "visit": common["visit"],
        "note": common["note"],
    }


def _interaction_v2(data: dict) -> dict:
    """The Coop form's record: its age bands, gender and social-status counts, thématiques."""
    counts = _ages(data.get("ages"), vocab.AGE_BAND_CODES)
    total = sum(counts.values())
    if total == 0:
        raise InputError("ages : au moins une personne")
    topics = _codes(data.get("topics"), vocab.THEMATIQUES, "topics")
    if not vocab.administrative_allowed(topics):
        raise InputError(f"topics : {vocab.ADMINISTRATIVE_RULE}")
    equipment = _codes(data.get("equipment"), vocab.offered(vocab.EQUIPMENT), "equipment")
    if vocab.MATERIEL_NONE in equipment and len(equipment) > 1:
        raise InputError(
            f"equipment : « {vocab.MATERIEL[vocab.MATERIEL_NONE]} » avec un autre matériel"
        )
    return {
        "v": vocab.FORM_V2,
        "ages": counts,
        "genres": _subcounts(data.get("genres"), vocab.GENRE_CODES, "genres", total),
        "statuts": _subcounts(data.get("statuts"), vocab.STATUT_CODES, "statuts", total),
        "topics": topics,
        "equipment": equipment,
        **_common(data),
    }


def _form_version(data: dict) -> int:
    version = data.get("v", vocab.FORM_V1)
    if version not in (vocab.FORM_V1, vocab.FORM_V2) or isinstance(version, bool):
        raise InputError(f"v : version de formulaire inconnue {version!r}")
    return version


def _interaction_data(data: dict) -> dict:
    return _interaction_v2(data) if _form_version(data) == vocab.FORM_V2 else _interaction_v1(data)


def _tally_data(data: dict) -> dict:
    band = data.get("band")
    if _form_version(data) == vocab.FORM_V1:
        if band is not None and (not isinstance(band, str) or band not in vocab.V1_AGE_BANDS):
            raise InputError(f"band : tranche inconnue {band!r}")
        return {"band": band}
    band = vocab.NON_COMMUNIQUE if band is None else band
    if not isinstance(band, str) or band not in vocab.TRANCHES_AGE:
        raise InputError(f"band : tranche inconnue {band!r}")
    return {"v": vocab.FORM_V2, "band": band}


def _check_data(data: dict) -> dict:
    return {
        "lat": _coordinate(data.get("lat"), "lat", 90),
        "lon": _coordinate(data.get("lon"), "lon", 180),
        "accuracy_m": _coordinate(data.get("accuracy_m"), "accuracy_m", 1e6),
    }


def _when(raw, now: dt.datetime) -> dt.datetime:
    """The record's time in UTC to the millisecond, between 2020 and a day after ``now``."""
    if not isinstance(raw, str):
        raise InputError("at : date ISO 8601 attendue")
    try:
        at = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
        if at.tzinfo is None:
            raise InputError("at : fuseau horaire manquant")
        at = at.astimezone(dt.UTC).replace(microsecond=at.microsecond // 1000 * 1000)
    except (ValueError, OverflowError):  # 0001-01-01T00:30+01:00 is before year 1 in UTC
        raise InputError("at : date ISO 8601 attendue") from None
    if at < EARLIEST:
        raise InputError(
            f"at : date {at:%d/%m/%Y} antérieure à 2020, vérifiez l'horloge du téléphone"
        )
    if at > now + FUTURE_SLACK:
        raise InputError(f"at : date {at:%d/%m/%Y} dans le futur, vérifiez l'horloge du téléphone")
    return at


def parse_record(raw, *, now: dt.datetime | None = None) -> ParsedRecord:
    """Validate one client record; raises InputError with a French message."""
    if not isinstance(raw, dict):
        raise InputError("enregistrement : objet JSON attendu")
    try:
        uid = str(uuidlib.UUID(str(raw.get("uuid"))))
    except ValueError:
        raise InputError("uuid : UUID invalide") from None
    kind = raw.get("kind")
    if kind not in KINDS:
        raise InputError(f"kind : type inconnu {kind!r}")
    stop_id = raw.get("stop_id")
    if isinstance(stop_id, bool) or not isinstance(stop_id, int) or not 1 <= stop_id <= MAX_ID:
        raise InputError("stop_id : identifiant d'arrêt invalide")
    at = _when(raw.get("at"), now or dt.datetime.now(dt.UTC))
    replaces = raw.get("replaces")
    if replaces is not None:
        try:
            replaces = str(uuidlib.UUID(str(replaces)))
        except ValueError:
            raise InputError("replaces : UUID invalide") from None
        if kind not in CORRECTABLE:
            raise InputError(f"replaces : un enregistrement {kind!r} ne corrige rien")
        if replaces == uid:
            raise InputError("replaces : un enregistrement ne se corrige pas lui-même")
    elif kind == VOID:
        raise InputError("replaces : l'enregistrement à supprimer manque")
    data = raw.get("data") or {}
    if not isinstance(data, dict):
        raise InputError("data : objet attendu")
    if kind == VOID:
        data = {}
    elif kind == "interaction":
        data = _interaction_data(data)
    elif kind == "tally":
        data = _tally_data(data)
    elif kind == invitations.KIND:
        data = invitations.parse_data(data)
    else:
        data = _check_data(data)
    return ParsedRecord(uid, kind, stop_id, at, data, replaces)


def _parse(raw, now: dt.datetime | None) -> ParsedRecord:
    """`parse_record`, with any surprise from hostile input turned into a refusal, not a 500."""
    try:
        return parse_record(raw, now=now)
    except InputError:
        raise
    except (TypeError, ValueError, OverflowError, UnicodeError, RecursionError) as exc:
        log.warning("record refused on an unexpected %s", type(exc).__name__)
        raise InputError("enregistrement : contenu illisible") from None


def _rows(record: ParsedRecord, user: User) -> list:
    common = {
        "record_uuid": record.uuid,
        "stop_id": record.stop_id,
        "user_id": user.id,
        "at": record.at,
    }
    d = record.data
    if record.kind in (VOID, invitations.KIND):  # a hand-out updates its card (see `_store`)
        return []
    if record.kind in ("checkin", "checkout"):
        return [
            StopEvent(
                kind=record.kind, lat=d["lat"], lon=d["lon"], accuracy_m=d["accuracy_m"], **common
            )
        ]
    scheme = vocab.SCHEME_COOP if d.get("v") == vocab.FORM_V2 else vocab.SCHEME_V1
    if record.kind == "tally":
        ages = {age_column(d["band"]): 1} if d["band"] else {"age_unknown": 1}
        return [Interaction(source="tally", age_scheme=scheme, **ages, **common)]
    ages = {age_column(band): n for band, n in d["ages"].items()}
    counts = {f"genre_{code}": n for code, n in d.get("genres", {}).items()}
    counts |= {f"statut_{code}": n for code, n in d.get("statuts", {}).items()}
    return [
        Interaction(
            source="form",
            age_scheme=scheme,
            topics=" ".join(d["topics"]),
            equipment=" ".join(d["equipment"]),
            invitations=" ".join(d["invitations"]),
            visit=d["visit"],
            note=d["note"],
            **ages,
            **counts,
            **common,
        )
    ]


def _compare(existing: Record, digest: str, user: User) -> RecordResult:
    if existing.content_sha256 == digest and existing.user_id == user.id:
        return RecordResult(existing.uuid, "duplicate", 200, "déjà reçu")
    return RecordResult(existing.uuid, "conflict", 409, "même identifiant, contenu différent")


def may_log_at(session: Session, user: User, stop: Stop) -> bool:
    if user.role == "coordinator":
        return True
    return session.get(TourAgent, (stop.tour_id, user.id)) is not None


def _short(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"


def _store(
    session: Session, user: User, record: ParsedRecord, content: str, digest: str
) -> RecordResult:
    """Look up and insert inside the caller's savepoint, so that no database error escapes it."""
    existing = session.get(Record, record.uuid)
    if existing is not None:
        return _compare(existing, digest, user)
    stop = session.get(Stop, record.stop_id)
    if stop is None:
        return RecordResult(record.uuid, "not_found", 404, "arrêt inconnu")
    if not may_log_at(session, user, stop):
        return RecordResult(
            record.uuid, "forbidden", 403, "cette tournée ne vous est pas attribuée"
        )
    if stop.cancelled:
        return RecordResult(record.uuid, "cancelled", 410, CANCELLED)
    target = None
    if record.replaces is not None:
        target = session.get(Record, record.replaces)
        refusal = _may_supersede(user, record, target, stop) or _supersede(session, record)
        if refusal is not None:
            return refusal
    if record.kind == invitations.KIND:
        refused = invitations.hand_out(
            session, user, stop, record.uuid, record.at, record.data["code"]
        )
        if refused is not None:
            return RecordResult(record.uuid, *refused)
    session.add(
        Record(
            uuid=record.uuid,
            kind=record.kind,
            user_id=user.id,
            stop_id=stop.id,
            content=content,
            content_sha256=digest,
            client_at=record.at,
            replaces=record.replaces,
        )
    )
    session.flush()  # the ledger row first: it carries the uniqueness
    session.add_all(_rows(record, user))
    session.flush()
    return RecordResult(record.uuid, "created", 201)


def _may_supersede(
    user: User, record: ParsedRecord, target: Record | None, stop: Stop
) -> RecordResult | None:
    """Why ``record`` may not correct or delete ``target`` (at ``stop``), or None if it may."""
    if target is None:
        return RecordResult(record.uuid, "not_found", 404, "enregistrement à corriger inconnu")
    if user.role != "coordinator" and target.user_id != user.id:
        return RecordResult(
            record.uuid, "forbidden", 403, "vous ne corrigez que vos propres enregistrements"
        )
    if user.role != "coordinator" and record.at.astimezone(PARIS).date() != stop.tour.date:
        return RecordResult(
            record.uuid, "forbidden", 403, "correction possible le jour de la tournée seulement"
        )
    if target.kind not in CORRECTABLE[record.kind]:
        return RecordResult(
            record.uuid,
            "invalid",
            422,
            f"replaces : un enregistrement {target.kind!r} ne se corrige pas ainsi",
        )
    if target.stop_id != record.stop_id:
        return RecordResult(record.uuid, "invalid", 422, "replaces : arrêt différent de l'original")
    if target.superseded_by is not None:
        return RecordResult(record.uuid, "conflict", 409, "enregistrement déjà corrigé ou supprimé")
    return None


def _supersede(session: Session, record: ParsedRecord) -> RecordResult | None:
    """Mark ``record.replaces`` superseded by ``record`` and drop its interaction row (its content
    stays in the ledger); a conflict if another correction got there first."""
    marked = session.execute(
        update(Record)
        .where(Record.uuid == record.replaces, Record.superseded_by.is_(None))
        .values(superseded_by=record.uuid, superseded_at=dt.datetime.now(dt.UTC))
        .execution_options(synchronize_session="fetch")
    )
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        return RecordResult(record.uuid, "conflict", 409, "enregistrement déjà corrigé ou supprimé")
    session.execute(delete(Interaction).where(Interaction.record_uuid == record.replaces))
    return None


def apply_record(
    session: Session, user: User, raw, *, now: dt.datetime | None = None
) -> RecordResult:
    """Store one record exactly once; never raises for a bad record, returns its result."""
    uid = raw.get("uuid") if isinstance(raw, dict) else None
    uid = uid if isinstance(uid, str) and len(uid) <= 64 else None
    try:
        record = _parse(raw, now)
    except InputError as exc:
        return RecordResult(uid, "invalid", 422, _short(str(exc)))
    content = record.canonical()
    digest = hashlib.sha256(content.encode()).hexdigest()
    try:
        with session.begin_nested():
            result = _store(session, user, record, content, digest)
    except IntegrityError:
        # Another request stored the same uuid between our check and our insert.
        existing = session.get(Record, record.uuid, populate_existing=True)
        if existing is None:
            log.exception("record %s: integrity error", record.uuid)
            return RecordResult(record.uuid, "error", 500, "erreur d'enregistrement, réessayer")
        return _compare(existing, digest, user)
    except DataError:
        # A value the database refuses now will be refused on every retry: set it aside.
        log.warning("record %s refused by the database", record.uuid, exc_info=True)
        return RecordResult(record.uuid, "invalid", 422, "valeur refusée par la base de données")
    except Exception:
        log.exception("record %s could not be stored", record.uuid)
        return RecordResult(record.uuid, "error", 500, "erreur d'enregistrement, réessayer")
    return result


def apply_batch(
    session: Session,
    user: User,
    records: object,
    *,
    max_records: int,
    now: dt.datetime | None = None,
) -> list[RecordResult]:
    """Apply each record of a batch; raises InputError if the batch itself is malformed."""
    if not isinstance(records, list):
        raise InputError("records : liste attendue")
    if len(records) > max_records:
        raise InputError(f"records : {max_records} enregistrements au plus par envoi")
    return [apply_record(session, user, raw, now=now) for raw in records]


def load_json(body: bytes, *, max_depth: int = MAX_JSON_DEPTH):
    """Parse a request body; raises InputError (French) if it is not JSON or nests too deeply."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise InputError("corps JSON attendu") from None
    if _depth(value) > max_depth:
        raise InputError(f"JSON trop imbriqué ({max_depth} niveaux au plus)")
    return value


def _depth(value) -> int:
    """Nesting depth of a parsed JSON value, without recursion."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, level = todo.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            todo.extend(
                (child, level + 1) for child in (item.values() if isinstance(item, dict) else item)
            )
    return deepest
