"""The bench's clocks, read on the same CLOCK_REALTIME: when the engine stamped each
container event and when it reached a subscriber (bench/engine_events), and when each
version of a registry appeared (bench/registry_watch)."""

import subprocess
import threading

from ipa_testing.waiting import wait_for

POLL = 0.002  # s between looks while waiting: the bench's waits are short


class EngineEvents:
    """bench/engine_events for the whole run: destroy timeNano and the time the
    event reached a subscriber, by container name, and every container event's
    time (to tell foreign activity during idle)."""

    def __init__(self, binary, host):
        self.destroyed = {}
        self.delivered = {}
        self.times = []
        self.lock = threading.Lock()
        if not host.startswith("unix://"):
            raise RuntimeError("the bench needs the engine's unix socket, not " + host)
        self.process = subprocess.Popen([binary, host[len("unix://"):]],
                                        stdout=subprocess.PIPE, text=True)
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("engine_events could not subscribe")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            action, received, time_nano, name = line.rstrip("\n").split(" ", 3)
            with self.lock:
                self.times.append(int(time_nano))
                if action in ("destroy", "remove"):  # Docker's name, Podman's
                    self.destroyed[name] = int(time_nano)
                    self.delivered[name] = int(received)

    def settle(self, probe):
        """Returns once the subscription surely delivers: removes a probe container."""
        probe.remove()
        wait_for(lambda: probe.name in self.destroyed, 10, POLL,
                 "the events subscription")

    def destroy_ns(self, name):
        with self.lock:
            return self.destroyed.get(name)

    def delivery_ms(self, name):
        """How long the destroy event took from the engine's stamp to a subscriber."""
        with self.lock:
            return (self.delivered[name] - self.destroyed[name]) / 1e6

    def count_between(self, start_ns, end_ns):
        with self.lock:
            return sum(1 for t in self.times if start_ns <= t <= end_ns)

    def close(self):
        self.process.terminate()
        self.process.wait()


class RegistryWatch:
    """bench/registry_watch on one registry: first-stale times, writes."""

    def __init__(self, binary, registry):
        self.stale = {}
        self.writes = []  # (ns, changed, count)
        self.errors = 0
        self.lock = threading.Lock()
        self.process = subprocess.Popen([binary, registry], stdout=subprocess.PIPE, text=True)
        ready = False  # the baseline version's line comes first, then "ready"
        while not ready:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("registry_watch exited")
            ready = line.strip() == "ready"
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            kind, stamp, rest = line.rstrip("\n").split(" ", 2)
            with self.lock:
                if kind == "S":
                    self.stale[rest] = int(stamp)
                elif kind == "W":
                    changed, count = rest.split()
                    self.writes.append((int(stamp), int(changed), int(count)))
                else:
                    self.errors += 1

    def stale_at(self, project):
        with self.lock:
            return self.stale.get(project)

    def all_stale(self, projects):
        with self.lock:
            return all(p in self.stale for p in projects)

    def writes_since(self, start_ns):
        with self.lock:
            chosen = [w for w in self.writes if w[0] >= start_ns]
        return sum(w[2] for w in chosen), sum(1 for w in chosen if w[1] == 0)

    def close(self):
        self.process.terminate()
        self.process.wait()
