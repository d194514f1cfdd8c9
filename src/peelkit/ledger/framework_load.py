"""`peel ledger frameworks load FILE`: an administrator replaces a shipped framework (typically one whose area
list is marked unconfirmed) with the definitive file, or adds a new cycle. The file is checked like the shipped
ones; a replacement keeps the programme year, order, scale id and grades (recorded grades keep their meaning)
and every area the ledger already holds records for. It is written atomically to ``$PEEL_HOME/frameworks/`` and
the change is audited."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from peelkit.errors import InputError
from peelkit.ledger import frameworks as fw
from peelkit.ledger.base import AuditLog
from peelkit.ledger.framework_parse import parse
from peelkit.ledger.improvements import ImprovementArea
from peelkit.ledger.judgments import Judgment
from peelkit.ledger.narrative import Narrative

# Narrative sections that are not areas of the framework.
_NOT_AREAS = frozenset({"overview", "specialist_capabilities", fw.OVERALL})


@dataclass(frozen=True)
class LoadResult:
    framework: fw.Framework
    replaced: bool
    path: Path

    def to_dict(self) -> dict[str, object]:
        return {"id": self.framework.id, "year": self.framework.year, "replaced": self.replaced,
                "path": str(self.path), "areas": len(self.framework.all_areas),
                "confidence": self.framework.confidence, "areas_complete": self.framework.areas_complete}


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text (byte {error.start}); save the framework file as UTF-8") from None


def _used_areas(session: Session, framework: fw.Framework) -> set[str]:
    used = set(session.scalars(select(Judgment.question_id).where(Judgment.framework_id == framework.id)))
    used |= set(session.scalars(select(ImprovementArea.question_id)
                                .where(ImprovementArea.framework_id == framework.id)))
    used |= set(session.scalars(select(Narrative.section).where(Narrative.year == framework.year)))
    return used - _NOT_AREAS


def _check_replacement(old: fw.Framework, new: fw.Framework, source: str) -> None:
    kept = [("year", old.year, new.year), ("order", old.order, new.order), ("scale", old.scale, new.scale),
            ("grades", old.grades, new.grades)]
    changed = [f"{name}: {b!r} (was {a!r})" for name, a, b in kept if a != b]
    if changed:
        raise fw.FrameworkError(f"{source} replaces {old.id} but changes {'; '.join(changed)}: a replacement keeps "
                                "them, so grades already recorded keep their meaning")


def load_framework(session: Session, path: Path) -> LoadResult:
    """Check the file, refuse it if it would orphan ledger records, then install it and audit the change."""
    text = _read(path)
    new = parse(text, str(path), origin="loaded")
    current = {f.id: f for f in fw.frameworks()}
    old = current.get(new.id)
    if old is not None:
        _check_replacement(old, new, str(path))
        dropped = sorted(_used_areas(session, old) - set(new.area_ids))
        if dropped:
            raise fw.FrameworkError(f"{path} drops areas the ledger holds records for ({', '.join(dropped)}); keep "
                                    "them in the file (mark them with a revision if they no longer apply)")
    fw.check_registry(sorted([*(f for f in current.values() if f.id != new.id), new], key=lambda f: f.order))
    session.add(AuditLog(actor=str(session.info.get("actor", "system")), table_name="framework", record_id=new.id,
                         action="update" if old is not None else "insert",
                         before=old.to_dict() if old is not None else None, after=new.to_dict()))
    session.flush()
    folder = fw.loaded_folder()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{new.id}.toml"
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{new.id}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    fw.refresh()
    return LoadResult(fw.get(new.id), old is not None, target)
