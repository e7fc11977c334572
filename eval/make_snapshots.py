"""Generate the evaluation snapshots deterministically into a cache folder, and resolve case snapshot names.

The generated scenarios come from `eval/snapshots/scenarios.py` (159919 on a falling day, Shenzhen-listed; 562340
with a suspended constituent and pre-rebalance weights). Each is written once per generator version: the folder
carries a stamp with a hash of the generator sources, so a changed generator rewrites it and an unchanged one is
reused. Writing goes to a temporary folder that is renamed into place, so a crash never leaves half a snapshot
and parallel runs do not collide.

    python -m eval.make_snapshots [OUT_ROOT]

Usage from code: `from eval.make_snapshots import ensure_snapshots, resolve_snapshot`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from assistant.config import Settings
from eval.snapshots.builder import Scenario

STAMP = ".eval-generator"
SAMPLE = "sample"


def scenario_makers() -> dict[str, Callable[[], Scenario | tuple[Scenario, ...]]]:
    """Every generated scenario by name (eval/snapshots/scenarios.py)."""
    from eval.snapshots.scenarios import SCENARIOS

    return dict(SCENARIOS)


def default_cache_root(settings: Settings | None = None) -> Path:
    """settings.eval_cache (MARKET_ASSISTANT_EVAL_CACHE), else "eval" in the per-user cache folder."""
    settings = settings or Settings()
    return Path(settings.eval_cache) if settings.eval_cache else settings.user_cache_dir / "eval"


def _generator_hash() -> str:
    h = hashlib.sha256()
    here = Path(__file__).parent
    for f in sorted((here / "snapshots").glob("*.py")):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def ensure_snapshot(name: str, root: Path | str | None = None) -> Path:
    """The folder of generated scenario `name` under `root`/snapshots, written if missing or stale."""
    makers = scenario_makers()
    if name not in makers:
        raise KeyError(f"unknown generated scenario {name!r}; known: {', '.join(sorted(makers))}")
    base = Path(root or default_cache_root()) / "snapshots"
    target = base / name
    stamp = _generator_hash()
    if (target / STAMP).is_file() and (target / STAMP).read_text().strip() == stamp:
        return target
    base.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=base))
    try:
        from eval.snapshots.scenarios import write_any

        write_any(makers[name](), tmp / "snap")
        (tmp / "snap" / STAMP).write_text(stamp + "\n")
        if target.exists():
            old = base / f".{name}-old-{os.getpid()}"
            target.rename(old)
            shutil.rmtree(old, ignore_errors=True)
        try:
            (tmp / "snap").rename(target)
        except OSError:  # another process won the race with the same bytes
            if not (target / STAMP).is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def ensure_snapshots(root: Path | str | None = None) -> dict[str, Path]:
    return {name: ensure_snapshot(name, root) for name in scenario_makers()}


def resolve_snapshot(
    name: str,
    *,
    default: Path | None = None,
    cache_root: Path | str | None = None,
    base_dir: Path | None = None,
    overrides: Mapping[str, Path] | None = None,
) -> Path:
    """Folder for a case's `snapshot` field: 'sample' -> `default` (bundled sample unless --snapshot), a
    generated scenario name -> the cache, anything else -> a path (relative to the dataset's folder)."""
    if overrides and name in overrides:
        return overrides[name]
    if name == SAMPLE:
        if default is not None:
            return default
        from assistant.config import bundled_sample_path

        return bundled_sample_path()
    if name in scenario_makers():
        return ensure_snapshot(name, cache_root)
    p = Path(name)
    if not p.is_absolute() and base_dir is not None:
        p = base_dir / p
    if not (p / "manifest.json").is_file():
        raise FileNotFoundError(
            f"snapshot {name!r}: not 'sample', not a generated scenario "
            f"({', '.join(sorted(scenario_makers()))}) and no manifest.json at {p}"
        )
    return p


if __name__ == "__main__":
    for n, path in ensure_snapshots(sys.argv[1] if len(sys.argv) > 1 else None).items():
        print(f"{n}: {path}")
