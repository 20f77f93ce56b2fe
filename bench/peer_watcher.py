"""The obvious Python watcher: what a user would write instead of the agent.

    /usr/bin/python3 bench/peer_watcher.py REGISTRY DOCKER_HOST

Follows Docker's container events with python3-docker; on `destroy` (`remove`
on Podman) or `die`
takes the registry's filelock (as iris-devtester does), loads the JSON, marks
the assignments of that container stale and dumps it back in place
(json.dump(indent=2), as iris-devtester writes it). An assignment is the
container's if its container_name is that name, or if the name is the one
iris-devtester gives it (iris_<md5(project)[:8]>_<port>). Prints "ready" once
subscribed. Nothing here is slowed down on purpose; nothing is optimised
beyond what a straightforward script would do either.
"""

import hashlib
import json
import sys
from pathlib import Path

import docker
from filelock import FileLock


def derived_name(assignment):
    digest = hashlib.md5(assignment["project_path"].encode()).hexdigest()[:8]
    return "iris_%s_%d" % (digest, assignment["port"])


def mark_stale(path, lock, name):
    with lock:
        with open(path) as f:
            data = json.load(f)
        changed = False
        for assignment in data["assignments"]:
            if assignment.get("status") != "active":
                continue
            if assignment.get("container_name") == name or derived_name(assignment) == name:
                assignment["status"] = "stale"
                changed = True
        if changed:
            with open(path, "w") as f:
                json.dump(data, f, indent=2)


def main():
    path = Path(sys.argv[1])
    client = docker.DockerClient(base_url=sys.argv[2])
    lock = FileLock(str(path.with_suffix(".lock")))
    events = client.events(decode=True, filters={"type": "container"})
    print("ready", flush=True)
    for event in events:
        if event.get("Action") in ("destroy", "remove", "die"):
            mark_stale(path, lock, event["Actor"]["Attributes"].get("name"))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
