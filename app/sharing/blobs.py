"""Content-addressed files under the data directory: rendered snapshot PNGs.

A blob's name is the SHA-256 of its bytes (``blobs/ab/abcdef….png``), and the log records only
that name (``snapshot.rendered``), so a blob is written before its event is appended: an event
never points at a missing file, and a crash between the two leaves at most an unreferenced file
that the re-run job writes again under the same name. Blobs are immutable, which is why their
public addresses can be cached forever. All methods block: call them in an executor.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

_SHA = re.compile(r"^[0-9a-f]{64}$")


class Blobs:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if not _SHA.match(sha256):
            raise ValueError(f"not a SHA-256: {sha256!r}")
        return self.root / sha256[:2] / f"{sha256}.png"

    def put(self, data: bytes) -> str:
        """Store ``data`` durably (written, fsynced, renamed into place); returns its SHA-256."""
        sha = hashlib.sha256(data).hexdigest()
        final = self.path(sha)
        if final.exists():
            return sha
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, final)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return sha

    def get(self, sha256: str) -> bytes | None:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            return None
