"""A phone's queue, exported as JSON (« Exporter la file »), loaded on the server under the agent's
account: the last resort when a phone can no longer sync (`dynamobile import queue`).

Each record goes through `records.apply_record`, the very rules of ``/api/sync``: importing the
same file twice stores nothing new (``duplicate``), and a record the phone did send meanwhile is
not stored twice. The export's ``queue`` and ``rejected`` lists are both loaded, in the order the
phone queued them (a correction after the encounter it corrects).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from dynamobile.errors import InputError, os_reason

from . import accounts, records
from .records import RecordResult

MAX_FILE_BYTES = 32 * 1024 * 1024  # a phone's day is a few hundred KB
REFUSED = ("conflict", "invalid", "forbidden", "not_found", "cancelled", "error")
# The outcomes in the order they are printed, with their French label.
OUTCOME_LABELS = {
    "created": "enregistré(s)",
    "duplicate": "déjà reçu(s)",
    "conflict": "en conflit (même identifiant, autre contenu)",
    "invalid": "invalide(s)",
    "forbidden": "refusé(s) (tournée d'un autre agent)",
    "not_found": "sur un arrêt ou un enregistrement inconnu",
    "cancelled": "sur un arrêt annulé",
    "error": "en erreur (à réimporter)",
}
PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class QueueFile:
    """The records of an exported queue, and what the export says about itself."""

    source: str
    records: list
    user: str | None = None
    exported_at: str | None = None


@dataclass(frozen=True)
class ImportSummary:
    agent: str
    results: list[RecordResult] = field(default_factory=list)

    @property
    def counts(self) -> Counter[str]:
        return Counter(result.status for result in self.results)

    @property
    def refused(self) -> list[RecordResult]:
        return [result for result in self.results if result.status in REFUSED]

    def lines(self) -> list[str]:
        """The French report: one line per outcome, then one per refused record."""
        out = [
            f"{len(self.results)} enregistrement(s) importé(s) sous le compte « {self.agent} » :"
        ]
        counts = self.counts
        for status, label in OUTCOME_LABELS.items():
            if counts[status]:
                out.append(f"  {counts[status]} {label}")
        for result in self.refused:
            out.append(
                printable(f"  refusé {result.uuid or '(sans identifiant)'} : {result.message}")
            )
        return out


def printable(text: str) -> str:
    """``text`` with a lone surrogate escaped: what the file says must not stop the print."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def read_queue_file(path: str | Path) -> QueueFile:
    """Read an export of « Exporter la file (JSON) »; a bare list of records is accepted too.
    Raises InputError (French, naming the file) if it cannot be one."""
    source = str(path)
    try:
        with open(path, "rb") as handle:
            body = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{source} : lecture impossible ({os_reason(exc)})") from None
    if len(body) > MAX_FILE_BYTES:
        raise InputError(f"{source} : fichier trop gros ({MAX_FILE_BYTES // 2**20} Mo au plus)")
    try:
        value = records.load_json(body)
    except InputError as exc:
        raise InputError(f"{source} : {exc} (export « Exporter la file » attendu)") from None
    if isinstance(value, list):
        return QueueFile(source, sorted(value, key=_queued_at))
    if not isinstance(value, dict) or not ("queue" in value or "rejected" in value):
        raise InputError(
            f"{source} : ce n'est pas une file exportée du téléphone "
            "(objet JSON avec « queue » attendu)"
        )
    lists = []
    for key in ("queue", "rejected"):
        part = value.get(key) or []
        if not isinstance(part, list):
            raise InputError(f"{source} : « {key} » doit être une liste d'enregistrements")
        lists.extend(part)
    user = value.get("user")
    exported_at = value.get("exported_at")
    return QueueFile(
        source,
        sorted(lists, key=_queued_at),
        user if isinstance(user, str) else None,
        exported_at if isinstance(exported_at, str) else None,
    )


def _queued_at(raw: object) -> float:
    """The phone's queueing time (ms since 1970), to replay records in their order."""
    value = raw.get("queued_at") if isinstance(raw, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return float("inf")
    return float(value)


def import_queue(
    session: Session, queue: QueueFile, agent: str, *, now: dt.datetime | None = None
) -> ImportSummary:
    """Apply every record of ``queue`` as the account ``agent``; the caller commits.

    Raises InputError if the account does not exist or the file is another agent's."""
    user = accounts.find_user(session, agent)
    if user is None:
        raise InputError(f"--agent : compte « {agent} » inconnu (dynamobile users list)")
    if queue.user is not None and queue.user.strip().lower() != user.name.lower():
        raise InputError(
            printable(
                f"{queue.source} : file du compte « {queue.user} », pas de « {user.name} » ; "
                "importez-la sous son compte"
            )
        )
    results = [records.apply_record(session, user, raw, now=now) for raw in queue.records]
    return ImportSummary(user.name, results)


def describe(queue: QueueFile) -> str:
    """One French line about the file: whose queue, exported when."""
    when = ""
    if queue.exported_at:
        try:
            at = dt.datetime.fromisoformat(queue.exported_at.replace("Z", "+00:00"))
            if at.tzinfo is not None:
                when = f", exportée le {at.astimezone(PARIS):%d/%m/%Y à %H:%M}"
        except (ValueError, OverflowError):
            pass
    who = f" de « {queue.user} »" if queue.user else ""
    return printable(f"{queue.source} : file{who}{when}, {len(queue.records)} enregistrement(s).")
