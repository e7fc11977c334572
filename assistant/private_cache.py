"""Cache folders. The per-user one holds derived data that is the same for every store (jieba's dictionary caches,
validated snapshots, documents' sections, BM25 indexes), kept once per user instead of once per store, and trusted
only while nobody else can write to it. Cache entries that are folders are published whole (`publish_folder`)."""

from __future__ import annotations

import functools
import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path


def private_folder(folder: Path) -> Path | None:
    """`folder` (created with mode 0700 when missing) if nobody but this user can put files in it; else None.

    It must be a real directory, not a symlink, owned by this user and not writable by group or others, in a parent
    that is owned by this user (or root) and not writable by group or others either: the parent's writers could
    swap the folder after the check. Not on systems without POSIX owners (Windows): there the store folder is used."""
    if not hasattr(os, "getuid"):
        return None
    uid = os.getuid()
    try:
        folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)
        here, parent = os.lstat(folder), os.stat(folder.parent)
    except OSError:
        return None
    for st, owners in ((here, {uid}), (parent, {uid, 0})):
        if not stat.S_ISDIR(st.st_mode) or st.st_uid not in owners or st.st_mode & 0o022:
            return None
    return folder


@functools.cache
def user_folder(root: Path, name: str) -> Path | None:
    """`name` under the per-user cache `root` when `private_folder` accepts it, else None; checked once per process
    (every store opened in it asks)."""
    return private_folder(root / name)


def package_version(dist: str) -> str | None:
    """The installed version of `dist` (None when it is not installed): part of the key of a cache entry that
    depends on that package's code or data."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def publish_folder(target: Path, fill: Callable[[Path], None]) -> None:
    """Write the cache entry `target` whole: `fill` writes a temporary sibling, which is then renamed to `target`
    (atomic), so a reader sees the whole entry or none. When another process published `target` first, its entry
    (of the same content) stays and ours is dropped. Errors of `fill` propagate, leaving nothing behind."""
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        fill(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        os.rename(tmp, target)  # fails when `target` exists
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)


__all__ = ["package_version", "private_folder", "publish_folder", "user_folder"]
