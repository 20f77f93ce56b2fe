"""A registry writer that behaves exactly like iris-devtester's PortRegistry.

Usage: python_writer.py REGISTRY WRITER_ID COUNT

COUNT times: take filelock.FileLock on the registry path with its suffix
replaced by ".lock", json.load the registry, append one assignment with a
unique project path, bump this writer's counter under the unknown top-level
key "python_counters", and rewrite the file in place with open(path, "w") +
json.dump(indent=2), which is not atomic. Exits non-zero on any error.
"""

import json
import sys
import time
from datetime import datetime
from pathlib import Path

from filelock import FileLock


def write_once(registry: Path, lock_path: Path, writer_id: str, index: int) -> None:
    with FileLock(str(lock_path), timeout=60):
        with open(registry, "r") as f:
            data = json.load(f)
        data["assignments"].append(
            {
                "project_path": f"/python/{writer_id}/{index}",
                "port": 20000 + index,
                "assigned_at": datetime.now().isoformat(),
                "assignment_type": "auto",
                "status": "active",
                "container_name": None,
            }
        )
        counters = data.setdefault("python_counters", {})
        counters[writer_id] = counters.get(writer_id, 0) + 1
        # Widen the read-modify-write window so that a lock which does not
        # exclude this process loses updates reliably.
        time.sleep(0.002)
        with open(registry, "w") as f:
            json.dump(data, f, indent=2)


def main() -> int:
    registry = Path(sys.argv[1])
    writer_id = sys.argv[2]
    count = int(sys.argv[3])
    lock_path = registry.with_suffix(".lock")
    for index in range(count):
        write_once(registry, lock_path, writer_id, index)
    return 0


if __name__ == "__main__":
    sys.exit(main())
