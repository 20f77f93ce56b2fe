"""Registry files and their assignments, as iris-devtester writes them."""

import hashlib
import json


def derived_name(project_path, port):
    """The container name iris-devtester gives a project's container."""
    return "iris_%s_%d" % (hashlib.md5(project_path.encode()).hexdigest()[:8], port)


def assignment(project, port, status="active", container_name=None, assigned_at=None, **extra):
    entry = {
        "project_path": project,
        "port": port,
        "assigned_at": assigned_at or "2025-01-17T10:30:00.123456",
        "assignment_type": "auto",
        "status": status,
        "container_name": container_name,
    }
    entry.update(extra)
    return entry


def write_registry(path, assignments, **extra):
    data = {"schema_version": "1.0", "assignments": assignments}
    data.update(extra)
    with open(path, "w") as f:
        json.dump(data, f, indent=2)
