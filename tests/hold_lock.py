"""Another program holding a collection's write lock: ``python tests/hold_lock.py DB SECONDS``.

It begins an immediate transaction, writes one row, prints ``locked`` once it holds the lock,
then commits after SECONDS (or when its stdin closes, if SECONDS is ``stdin``).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path


def main(db: str, seconds: str) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('held-by', 'another program')")
    print("locked", flush=True)
    if seconds == "stdin":
        sys.stdin.read()
    else:
        time.sleep(float(seconds))
    conn.execute("COMMIT")
    conn.close()


def hold(db: Path, seconds: float | str = "stdin") -> subprocess.Popen[str]:
    """Start the lock holder on ``db`` and return once it holds the lock."""
    process = subprocess.Popen(
        [sys.executable, __file__, str(db), str(seconds)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "locked"
    return process


def release(process: subprocess.Popen[str]) -> None:
    """Let a holder started with ``seconds="stdin"`` commit, and wait for it to exit."""
    assert process.stdin is not None
    process.stdin.close()
    process.wait(timeout=10)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
