"""Private files written once, whole, by whichever process gets there first."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_once(path: Path, data: bytes) -> bool:
    """Create `path` (mode 0600) holding `data`, unless it already exists.

    The data goes to a temporary file opened with O_EXCL, is flushed to disk, and is then
    hard-linked to `path`; the link fails if `path` exists. So two processes racing never
    overwrite each other, and no reader ever sees a half-written file.
    Returns True if this call created the file.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
    finally:
        tmp.unlink(missing_ok=True)
    return True
