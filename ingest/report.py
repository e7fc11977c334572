"""What an ingest run reports: one outcome per item (added, unchanged, replaced, rejected; quarantined ones
flagged), notes, counts and timings, and the progress events a caller can show while it runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["added", "unchanged", "replaced", "rejected"]


@dataclass(frozen=True)
class ItemOutcome:
    item: str  # citation id, or file[:line] for rejects
    status: Status
    reason: str = ""
    chunks: int = 0
    kind: str = ""
    quarantined: str = ""  # why the item is stored as quarantined (flagged as an injection attempt), or ""


@dataclass
class IngestReport:
    outcomes: list[ItemOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    chunks_written: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0

    def _with(self, status: Status) -> list[ItemOutcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def added(self) -> list[ItemOutcome]:
        return self._with("added")

    @property
    def unchanged(self) -> list[ItemOutcome]:
        return self._with("unchanged")

    @property
    def replaced(self) -> list[ItemOutcome]:
        return self._with("replaced")

    @property
    def rejected(self) -> list[ItemOutcome]:
        return self._with("rejected")

    @property
    def quarantined(self) -> list[ItemOutcome]:
        """Stored but never evidence: flagged by the injection screening (assistant.retrieval.safety)."""
        return [o for o in self.outcomes if o.quarantined and o.status != "rejected"]

    @property
    def ok(self) -> bool:
        """Something is usable: the CLI exits non-zero only when nothing could be ingested."""
        return bool(self.added or self.replaced or self.unchanged)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": len(self.added),
            "unchanged": len(self.unchanged),
            "replaced": len(self.replaced),
            "rejected": [{"item": o.item, "reason": o.reason} for o in self.rejected],
            "quarantined": [{"item": o.item, "reason": o.quarantined} for o in self.quarantined],
            "chunks_written": self.chunks_written,
            "seconds": round(self.seconds, 3),
            "notes": self.notes,
        }


@dataclass(frozen=True)
class Progress:
    stage: Literal["load", "embed", "done"]
    done: int
    total: int
    message: str = ""


ProgressCallback = Callable[[Progress], None]
