"""The agent side by side with what users would do instead, in one run.

Run it through bench/run (which builds and finds the sandbox). Every figure is
the median over trials (p50/p99 within a trial for latencies); the peers are
bench/peer_watcher.py and bench/peer_cleanup_stale.py. Times of registry
versions come from bench/registry_watch (inotify, CLOCK_REALTIME), times of
container removals from bench/engine_events (the engine's timeNano, and when
the event reached a subscriber): all read the same clock, so their difference
is what a user would see.

Containers are iris-sandbox:latest, a busybox image (`sleep 3600`), labelled
ipa-bench=<run>, and named as iris-devtester names them; they are created but
not started unless the section needs running ones: starting is slow here (about 0.7 s each) and a removed
created container produces exactly one event (`destroy`), so the latency is
that of one event.
"""

import argparse
import concurrent.futures
import contextlib
import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import docker
import requests
from filelock import FileLock

IMAGE = "iris-sandbox:latest"
LABEL = "ipa-bench"


# --- small helpers ----------------------------------------------------------

def derived_name(project, port):
    return "iris_%s_%d" % (hashlib.md5(project.encode()).hexdigest()[:8], port)


def assignment(project, port, status="active", container_name=None):
    return {"project_path": project, "port": port, "assigned_at": "2025-01-17T10:30:00.123456",
            "assignment_type": "auto", "status": status, "container_name": container_name}


def write_registry(path, assignments):
    with open(path, "w") as f:
        json.dump({"schema_version": "1.0", "assignments": assignments}, f, indent=2)


def percentile(values, q):
    """Nearest-rank percentile (p99 of 100 samples is the 99th smallest)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def median(values):
    return statistics.median(values) if values else float("nan")


def settle(predicate, timeout):
    """Waits like wait_for but lets a side that lost events be reported as such."""
    try:
        wait_for(predicate, timeout, "")
    except TimeoutError:
        pass


def log(text):
    print(text, file=sys.stderr, flush=True)


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("timed out after %.0f s waiting for %s" % (timeout, what))
        time.sleep(0.002)


# --- /proc ------------------------------------------------------------------

def tasks(pid):
    return os.listdir("/proc/%d/task" % pid)


def cpu_ns(pid):
    """CPU time of all threads in ns (schedstat: finer than the 10 ms ticks)."""
    total = 0
    for tid in tasks(pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime, all threads


def status_fields(path):
    fields = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()[0] if value.split() else ""
    return fields


def context_switches(pid):
    """Voluntary + involuntary switches summed over every thread (the process
    file counts the main thread only; libuv's pool threads count too)."""
    total = 0
    for tid in tasks(pid):
        try:
            fields = status_fields("/proc/%d/task/%s/status" % (pid, tid))
        except OSError:
            continue
        total += int(fields["voluntary_ctxt_switches"]) + int(fields["nonvoluntary_ctxt_switches"])
    return total


def memory_kib(pid):
    fields = status_fields("/proc/%d/status" % pid)
    return {key: int(fields[key]) for key in ("VmRSS", "RssAnon", "VmHWM")}


# --- the engine's clock -----------------------------------------------------

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
        wait_for(lambda: probe.name in self.destroyed, 10, "the events subscription")

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


# --- the two sides ----------------------------------------------------------

class Side:
    """A running watcher process: the agent or the Python peer."""

    def __init__(self, kind, args, registry, watch, sentinel):
        self.kind = kind
        self.log_path = registry + "." + kind + ".log"
        self.log_file = open(self.log_path, "w")
        if kind == "agent":
            command = [args.agent, "--registry", registry, "--docker-host", args.host,
                       "--log-level", "warning"]
            self.process = subprocess.Popen(command, stdout=self.log_file, stderr=self.log_file)
            # Synced once its first full reconcile marked the sentinel stale.
            wait_for(lambda: watch.stale_at(sentinel) is not None or self.process.poll() is not None,
                     60, "the agent's first reconcile")
        else:
            command = [sys.executable, os.path.join(args.here, "peer_watcher.py"), registry,
                       args.host]
            self.process = subprocess.Popen(command, stdout=subprocess.PIPE,
                                            stderr=self.log_file, text=True)
            self.process.stdout.readline()  # "ready": subscribed
        if self.process.poll() is not None:
            raise RuntimeError("%s exited early; see %s" % (kind, self.log_path))
        self.pid = self.process.pid

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM if self.kind == "agent" else signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


# --- the bench ----------------------------------------------------------------

class Bench:
    def __init__(self, args):
        self.args = args
        self.run_tag = uuid.uuid4().hex[:6]
        self.client = docker.DockerClient(base_url=args.host, max_pool_size=16)
        self.api = self.client.api
        self.dir = tempfile.mkdtemp(prefix="ipa-bench-")
        self.events = EngineEvents(args.events, args.host)
        self.events.settle(self.make_containers(["ipab-%s-probe" % self.run_tag])[0])
        self.results = {}
        self.restarts = []
        self.calls = 0

    # containers

    def make_containers(self, names, command=("sleep", "3600")):
        def create(name):
            self.api.create_container(IMAGE, list(command), name=name,
                                      labels={LABEL: self.run_tag},
                                      host_config=self.api.create_host_config(network_mode="none"))
            return name
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(create, names))
        return [self.client.containers.get(n) for n in names[:1]]

    def start_containers(self, names):
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(self.api.start, names))

    def remove_all(self):
        names = [c["Id"] for c in self.api.containers(
            all=True, filters={"label": "%s=%s" % (LABEL, self.run_tag)})]
        for start in range(0, len(names), 200):
            subprocess.run(["docker", "-H", self.args.host, "rm", "-f", *names[start:start + 200]],
                           capture_output=True)

    def docker_rm(self, names):
        subprocess.run(["docker", "-H", self.args.host, "rm", "-f", *names], check=True,
                       capture_output=True)

    # one tracked registry with one side watching it

    def fleet(self, section, trial, side, count, port_base):
        """`count` containers with active assignments naming them, plus the
        sentinel whose container never existed (the agent's sync signal)."""
        self.calls += 1  # a trial redone after an engine restart gets new names
        base = "/bench/%s/%s%d%s%d" % (self.run_tag, section, trial, side[0], self.calls)
        projects = ["%s/p%d" % (base, i) for i in range(count)]
        names = [derived_name(p, port_base + i) for i, p in enumerate(projects)]
        self.make_containers(names)
        registry = os.path.join(self.dir, "%s-%d-%s-%d" % (section, trial, side, self.calls),
                                "port-registry.json")
        os.makedirs(os.path.dirname(registry))
        sentinel = base + "/sentinel"
        entries = [assignment(p, port_base + i, container_name=n)
                   for i, (p, n) in enumerate(zip(projects, names))]
        entries.append(assignment(sentinel, 1, container_name="ipab-absent-" + self.run_tag))
        write_registry(registry, entries)
        return registry, projects, names, sentinel

    @contextlib.contextmanager
    def watched(self, section, side, trial, count, port_base):
        """A fleet of `count` (see fleet) with one side watching its registry,
        settled; the side and the watch stop when the block ends."""
        registry, projects, names, sentinel = self.fleet(section, trial, side, count, port_base)
        watch, proc = self.start(side, registry, sentinel)
        time.sleep(0.3)
        try:
            yield registry, projects, names, watch, proc
        finally:
            proc.stop()
            watch.close()

    def start(self, side, registry, sentinel):
        watch = RegistryWatch(self.args.watch, registry)
        try:
            return watch, Side(side, self.args, registry, watch, sentinel)
        except Exception:
            watch.close()
            raise

    # 0. the floor: what one durable atomic replace costs on this disk right now

    def floor(self):
        """The agent's unavoidable I/O for one change, timed alone: temp file,
        write, fsync, rename (what precedes the registry showing it), then the
        directory fsync. Spaced like the latency test's removals."""
        directory = os.path.join(self.dir, "floor")
        os.makedirs(directory)
        data = json.dumps({"schema_version": "1.0", "assignments": [
            assignment("/bench/floor/p%d" % i, 20000 + i) for i in range(300)]},
            indent=2).encode()
        target = os.path.join(directory, "port-registry.json")
        visible, total = [], []
        for i in range(60):
            start = time.perf_counter()
            temp = os.path.join(directory, ".tmp-%d" % i)
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.write(fd, data)
            os.fsync(fd)
            os.close(fd)
            os.rename(temp, target)
            visible.append((time.perf_counter() - start) * 1000)
            fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
            os.fsync(fd)
            os.close(fd)
            total.append((time.perf_counter() - start) * 1000)
            time.sleep(0.02)
        return {"visible_p50": percentile(visible, 50), "visible_p99": percentile(visible, 99),
                "total_p50": percentile(total, 50), "total_p99": percentile(total, 99)}

    # 1. one event at a time

    def latency(self, side, trial):
        samples, delivery = [], []
        with self.watched("lat", side, trial, self.args.latency_count, 20000) as (
                _, projects, names, watch, _):
            for project, name in zip(projects, names):
                self.api.remove_container(name)
                wait_for(lambda p=project: watch.stale_at(p) is not None, 10, project + " stale")
                wait_for(lambda n=name: self.events.destroy_ns(n) is not None, 10, name + " event")
                samples.append((watch.stale_at(project) - self.events.destroy_ns(name)) / 1e6)
                delivery.append(self.events.delivery_ms(name))
                time.sleep(0.02)  # a quiet spell: each removal is a lone event
        # What the watcher itself adds: its latency less the engine's delivery of
        # the same event to another subscriber.
        own = [total - engine for total, engine in zip(samples, delivery)]
        return {"p50": percentile(samples, 50), "p99": percentile(samples, 99),
                "delivery_p50": percentile(delivery, 50), "delivery_p99": percentile(delivery, 99),
                "own_p50": percentile(own, 50), "own_p99": percentile(own, 99)}

    # 2. many at once

    def burst(self, side, trial):
        with self.watched("burst", side, trial, self.args.burst_count, 21000) as (
                _, projects, names, watch, proc):
            before_ns = cpu_ns(proc.pid)
            start = time.time_ns()
            self.docker_rm(names)
            wait_for(lambda: all(self.events.destroy_ns(n) for n in names), 120, "the destroys")
            settle(lambda: watch.all_stale(projects), 60)
            time.sleep(0.2)  # count any trailing write too
            cpu = (cpu_ns(proc.pid) - before_ns) / 1e6
        seen = [(p, n) for p, n in zip(projects, names) if watch.stale_at(p) is not None]
        lags = [(watch.stale_at(p) - self.events.destroy_ns(n)) / 1e6 for p, n in seen]
        delivery = [self.events.delivery_ms(n) for _, n in seen]
        last_destroy = max(self.events.destroy_ns(n) for n in names)
        complete = (max(watch.stale_at(p) for p, _ in seen) - last_destroy) / 1e6
        writes, idle_writes = watch.writes_since(start)
        span = (last_destroy - min(self.events.destroy_ns(n) for n in names)) / 1e9
        return {"p50": percentile(lags, 50), "p99": percentile(lags, 99), "complete": complete,
                "delivery_p50": percentile(delivery, 50), "delivery_p99": percentile(delivery, 99),
                "writes": writes, "empty_writes": idle_writes, "cpu_ms": cpu, "span_s": span,
                "missed": len(projects) - len(seen), "unreadable": watch.errors}

    # 2b. changes piled up behind a held lock

    def pileup(self, side, trial):
        with self.watched("pile", side, trial, self.args.burst_count, 22000) as (
                registry, projects, names, watch, _):
            lock = FileLock(registry[:-len(".json")] + ".lock")
            lock.acquire()
            try:
                start = time.time_ns()
                self.docker_rm(names)
                wait_for(lambda: all(self.events.destroy_ns(n) for n in names), 120,
                         "the destroys")
                time.sleep(0.3)  # every change is now waiting on the lock
                held_writes = watch.writes_since(start)[0]
                released = time.time_ns()
            finally:
                lock.release()
            settle(lambda: watch.all_stale(projects), 60)
            time.sleep(0.2)
        seen = [watch.stale_at(p) for p in projects if watch.stale_at(p) is not None]
        complete = (max(seen) - released) / 1e6
        return {"writes": watch.writes_since(released)[0], "held_writes": held_writes,
                "complete": complete, "missed": len(projects) - len(seen)}

    # 3. doing nothing

    def idle(self):
        count = 20
        self.calls += 1
        base = "/bench/%s/idle%d" % (self.run_tag, self.calls)
        projects = ["%s/p%d" % (base, i) for i in range(count)]
        names = [derived_name(p, 23000 + i) for i, p in enumerate(projects)]
        self.make_containers(names)
        self.start_containers(names)
        entries = [assignment(p, 23000 + i, container_name=n)
                   for i, (p, n) in enumerate(zip(projects, names))]
        # 1,000 assignments in all: the rest without containers, already settled.
        for i in range(count, 1000):
            status = "stale" if i % 2 else "released"
            project = "%s/p%d" % (base, i)
            entries.append(assignment(project, 23000 + i, status, derived_name(project, 23000 + i)))
        results = {}
        sides = {}
        watches = []
        try:
            for side in ("agent", "peer"):
                self.calls += 1
                registry = os.path.join(self.dir, "idle-%s-%d" % (side, self.calls),
                                        "port-registry.json")
                os.makedirs(os.path.dirname(registry))
                sentinel = base + "/sentinel"
                write_registry(registry, entries + [assignment(
                    sentinel, 1, container_name="ipab-absent-" + self.run_tag)])
                watch, proc = self.start(side, registry, sentinel)
                watches.append(watch)
                sides[side] = proc
            for attempt in range(3):
                # Past the startup: its write, and curl's connect timeout timer,
                # which fires once 5 s after connecting and is not re-armed.
                time.sleep(6 if attempt == 0 else 1)
                start_ns = time.time_ns()
                before = {s: (cpu_ticks(p.pid), context_switches(p.pid), cpu_ns(p.pid))
                          for s, p in sides.items()}
                time.sleep(self.args.idle_seconds)
                after = {s: (cpu_ticks(p.pid), context_switches(p.pid), cpu_ns(p.pid))
                         for s, p in sides.items()}
                foreign = self.events.count_between(start_ns, time.time_ns())
                for side, proc in sides.items():
                    if proc.process.poll() is not None:
                        # The peer's event stream ends when dockerd restarts.
                        raise TimeoutError("%s exited during the idle window" % side)
                    results[side] = dict(
                        ticks=after[side][0] - before[side][0],
                        switches=after[side][1] - before[side][1],
                        cpu_ms=(after[side][2] - before[side][2]) / 1e6,
                        threads=len(tasks(proc.pid)), foreign_events=foreign,
                        **memory_kib(proc.pid))
                if foreign == 0:
                    break
                log("  idle: %d container events from other users of the engine during the "
                    "window; measuring again" % foreign)
        finally:
            for proc in sides.values():
                proc.stop()
            for watch in watches:
                watch.close()
            self.docker_rm(names)
        return results

    # 4 and 5. one reconcile over a fleet in mixed states

    def once_entries(self, index):
        """Assignment and container of fleet member `index` (kinds cycle by 3):
        0: container named the iris-devtester way, container_name null, status
           cycling active/stale/released; 1: assignment whose container_name
           names no container (an unrelated iris_ container keeps the count);
           2: container_name set, container present, active."""
        project = "/bench/%s/once/p%d" % (self.run_tag, index)
        port = 24000 + index
        name = derived_name(project, port)
        kind = index % 3
        if kind == 0:
            entry = assignment(project, port, ("active", "stale", "released")[(index // 3) % 3])
            return entry, name
        if kind == 1:
            entry = assignment(project, port, "active", name)
            return entry, derived_name("/bench/%s/other/p%d" % (self.run_tag, index), port)
        return assignment(project, port, "active", name), name

    def grow_fleet(self, have, want):
        names = [self.once_entries(i)[1] for i in range(have, want)]
        # A few running and a few exited ones in the first hundred, so every
        # state is there; the rest stay created (starting is slow here).
        running = [self.once_entries(i)[1] for i in range(0, 18, 3)] if have == 0 else []
        exited = [self.once_entries(i)[1] for i in range(2, 14, 3)] if have == 0 else []
        self.make_containers([n for n in names if n not in exited])
        self.make_containers(exited, command=("true",))
        self.start_containers(running + exited)

    def fleet_registry(self, size):
        path = os.path.join(self.dir, "once-%d" % size, "port-registry.json")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_registry(path, [self.once_entries(i)[0] for i in range(size)])
        with open(path, "rb") as f:
            return path, f.read()

    def timed(self, command, registry, pristine):
        for attempt in range(3):
            with open(registry, "wb") as f:
                f.write(pristine)  # every trial does the same work
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True)
            elapsed = time.perf_counter() - start
            if done.returncode == 0:
                return elapsed * 1000, done
            # python3-docker inspects every listed container: one removed by
            # another user of the engine in between fails the whole run.
            log("  %s failed (%s); again" % (os.path.basename(command[-3] if len(command) > 3
                                                              else command[0]),
                                             done.stderr.strip().splitlines()[-1:]))
        raise RuntimeError("%s failed: %s" % (command, done.stderr))

    def once(self, size):
        registry, pristine = self.fleet_registry(size)
        agent = [self.args.agent, "--once", "--registry", registry, "--docker-host",
                 self.args.host, "--log-level", "warning"]
        python = [sys.executable, os.path.join(self.args.here, "peer_cleanup_stale.py"), registry,
                  self.args.host]
        agent_ms = [self.timed(agent, registry, pristine)[0] for _ in range(self.args.best_of)]
        python_runs = [self.timed(python, registry, pristine) for _ in range(self.args.best_of)]
        python_ms = [ms for ms, _ in python_runs]
        python_work = [float(done.stderr.split()[-1]) * 1000 for _, done in python_runs]
        return {"agent": min(agent_ms), "python": min(python_ms), "python_work": min(python_work),
                **self.once_floor()}

    def once_floor(self):
        """What no `--once` built on libcurl can go below here: starting a
        process that loads libcurl's ~35 libraries, and the engine's own
        time to list the containers (one list request less one ping)."""
        socket = self.args.host[len("unix://"):]

        def best(command):
            runs = []
            for _ in range(self.args.best_of):
                start = time.perf_counter()
                subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
                runs.append((time.perf_counter() - start) * 1000)
            return min(runs)

        def request(path):
            return ["curl", "-s", "--unix-socket", socket, "http://docker" + path]
        return {"libcurl_start": best(["curl", "--version"]),
                "engine_list": best(request("/containers/json?all=1")) - best(request("/_ping"))}

    def full_reconcile(self, size):
        registry, pristine = self.fleet_registry(size)
        best = float("inf")
        for _ in range(self.args.best_of):
            with open(registry, "wb") as f:
                f.write(pristine)
            start = time.perf_counter()
            process = subprocess.Popen([self.args.agent, "--registry", registry, "--docker-host",
                                        self.args.host, "--log-level", "info"],
                                       stderr=subprocess.PIPE, text=True)
            for line in process.stderr:
                if "reconciled " in line:
                    best = min(best, (time.perf_counter() - start) * 1000)
                    break
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=10)
        if best == float("inf"):
            raise RuntimeError("the agent never logged \"reconciled\" for %d containers" % size)
        return best

    def reconnect(self):
        self.restarts.append(time.time())
        wait_for(self._pings, 120, "the engine to answer again")
        self.events.close()
        self.events = EngineEvents(self.args.events, self.args.host)
        self.events.settle(self.make_containers(["ipab-%s-probe%d" % (self.run_tag,
                                                                     len(self.restarts))])[0])

    def _pings(self):
        try:
            return self.api.ping()
        except Exception:
            time.sleep(0.5)
            return False

    def containers_in_engine(self):
        return len(self.api.containers(all=True, quiet=True))

    def close(self):
        self.events.close()
        self.remove_all()
        shutil.rmtree(self.dir, ignore_errors=True)


# --- the run --------------------------------------------------------------------

def again_if_the_engine_restarts(bench, what, function, *args):
    """The sandbox is shared: another suite may restart dockerd under us. Then
    the trial is void; wait for the engine and run it again."""
    for attempt in range(3):
        try:
            return function(*args)
        except (docker.errors.DockerException, requests.exceptions.ConnectionError,
                subprocess.CalledProcessError, TimeoutError) as error:
            if attempt == 2:
                raise
            log("  %s: the engine went away or failed (%s); waiting for it and redoing the trial"
                % (what, type(error).__name__))
            bench.reconnect()


def trials(bench, name, function, count):
    out = {}
    for side in ("agent", "peer"):
        runs = []
        for trial in range(count):
            log("  %s: %s, trial %d/%d" % (name, side, trial + 1, count))
            runs.append(again_if_the_engine_restarts(bench, name, function, side, trial))
        out[side] = {key: median([r[key] for r in runs]) for key in runs[0]}
    return out


def podman_sections(args, sections):
    """Latency and burst again, against the Podman service: same fleets, same sides."""
    podman_args = argparse.Namespace(**vars(args))
    podman_args.host = args.podman_host
    bench = Bench(podman_args)
    out = {}
    try:
        if "latency" in sections:
            log("1P. Podman: event-to-registry latency, %d removals one by one"
                % args.latency_count)
            out["latency"] = trials(bench, "podman latency", bench.latency, args.trials)
        if "burst" in sections:
            log("2P. Podman: burst of %d concurrent removals" % args.burst_count)
            out["burst"] = trials(bench, "podman burst", bench.burst, args.trials)
    finally:
        bench.close()
    return out


def ratio(peer, agent):
    if agent <= 0:
        return "-"
    value = peer / agent
    return "%.0fx" % value if value >= 10 else "%.2gx" % value


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", required=True)
    parser.add_argument("--podman-host",
                        help="also run latency and burst against this Podman API service")
    parser.add_argument("--agent", required=True)
    parser.add_argument("--watch", required=True)
    parser.add_argument("--events", required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--latency-count", type=int, default=100)
    parser.add_argument("--burst-count", type=int, default=300)
    parser.add_argument("--trials", type=int)
    parser.add_argument("--idle-seconds", type=int)
    parser.add_argument("--only", default="latency,burst,pileup,idle,once",
                        help="comma-separated sections")
    args = parser.parse_args()
    args.here = os.path.dirname(os.path.abspath(__file__))
    args.trials = args.trials or (1 if args.quick else 3)

    args.idle_seconds = args.idle_seconds or (15 if args.quick else 60)
    args.best_of = 5
    sections = args.only.split(",")

    bench = Bench(args)
    r = bench.results
    started = time.monotonic()
    r["load_before"] = os.getloadavg()[0]
    try:
        log("0. the floor: one durable atomic replace, timed alone")
        r["floor"] = bench.floor()
        if "latency" in sections:
            log("1. event-to-registry latency, %d removals one by one" % args.latency_count)
            r["latency"] = trials(bench, "latency", bench.latency, args.trials)
        if "burst" in sections:
            log("2. burst of %d concurrent removals" % args.burst_count)
            r["burst"] = trials(bench, "burst", bench.burst, args.trials)
        if "pileup" in sections:
            log("2b. %d changes piled up behind a held lock" % args.burst_count)
            r["pileup"] = trials(bench, "pileup", bench.pileup, args.trials)
        if "idle" in sections:
            log("3. idle for %d s, 20 containers, 1,000 assignments" % args.idle_seconds)
            r["idle"] = again_if_the_engine_restarts(bench, "idle", bench.idle)
        if "once" in sections:
            log("4/5. --once and full reconcile at 100, 300 and 1,000 (best of %d)"
                % args.best_of)
            have = 0
            for size in (100, 300, 1000):
                bench.grow_fleet(have, size)
                have = size
                r["once%d" % size] = again_if_the_engine_restarts(bench, "--once", bench.once,
                                                                  size)
                r["once%d" % size]["full"] = again_if_the_engine_restarts(
                    bench, "full reconcile", bench.full_reconcile, size)
                r["once%d" % size]["engine"] = bench.containers_in_engine()
                log("  %d: %s" % (size, r["once%d" % size]))
        if args.podman_host and ("latency" in sections or "burst" in sections):
            r["podman"] = podman_sections(args, sections)
        r["load_after"] = os.getloadavg()[0]
        r["restarts"] = len(bench.restarts)
    except Exception as error:  # the engine is shared: someone may restart it
        log("bench stopped early (%s: %s); the figures so far follow" % (type(error).__name__,
                                                                         error))
    finally:
        try:
            bench.close()
        except Exception as error:
            log("cleanup failed: %s; remove containers labelled %s=%s by hand"
                % (error, LABEL, bench.run_tag))
    report(r, args, time.monotonic() - started)


def report(r, args, seconds):
    rows = []

    def row(what, agent, peer, unit, target, better=None):
        shown_ratio = better if better is not None else (
            ratio(peer, agent) if isinstance(agent, (int, float)) and
            isinstance(peer, (int, float)) else "")
        rows.append((what, fmt(agent, unit), fmt(peer, unit), shown_ratio, target))

    def split_by_delivery(section, a, p):
        """The engine's delivery of each event, and what the watcher adds to it."""
        def pair(side, key):
            return "%.2f / %.2f ms" % (side[key + "_p50"], side[key + "_p99"])
        rows.append((section + " of which the engine's delivery to a subscriber, p50 / p99",
                     pair(a, "delivery"), pair(p, "delivery"), "", "not ours"))
        rows.append((section + " the rest: from delivery to the registry, p50 / p99",
                     pair(a, "own"), pair(p, "own"), "", ""))

    f = r["floor"]
    rows.append(("0. floor: write+fsync+rename of a 300-assignment file, p50 / p99",
                 "%.2f / %.2f ms" % (f["visible_p50"], f["visible_p99"]), "", "", "timed alone"))
    rows.append(("0. floor: the same + directory fsync, p50 / p99",
                 "%.2f / %.2f ms" % (f["total_p50"], f["total_p99"]), "", "", "timed alone"))
    def latency_rows(number, a, p):
        row(number + " event-to-registry latency p50", a["p50"], p["p50"], "ms", "< 1.5 ms")
        row(number + " event-to-registry latency p99", a["p99"], p["p99"], "ms", "< 3 ms")
        split_by_delivery(number, a, p)

    def burst_rows(number, a, p):
        row(number + " burst: per-container lag p50", a["p50"], p["p50"], "ms", "")
        row(number + " burst: per-container lag p99", a["p99"], p["p99"], "ms", "< 5 ms")
        # In a burst the engine serves its subscribers one after another, so
        # another subscriber's delivery time only bounds what the agent saw.
        rows.append((number + " the engine's delivery to another subscriber, p50 / p99",
                     "%.2f / %.2f ms" % (a["delivery_p50"], a["delivery_p99"]),
                     "%.2f / %.2f ms" % (p["delivery_p50"], p["delivery_p99"]), "", "not ours"))
        row(number + " burst: last removal to registry complete", a["complete"], p["complete"],
            "ms", "< 10 ms")
        row(number + " burst: registry writes (for %d changes)" % args.burst_count, a["writes"],
            p["writes"], "", "")
        row(number + " burst: writes without a change", a["empty_writes"], p["empty_writes"], "",
            "0", "")
        row(number + " burst: registry versions read half-written", a["unreadable"],
            p["unreadable"], "", "", "")
        row(number + " burst: changes never seen in the registry", a["missed"], p["missed"], "",
            "0", "")
        row(number + " burst: CPU time of the watcher", a["cpu_ms"], p["cpu_ms"], "ms", "")
        row(number + " burst: span of the removal events", a["span_s"], p["span_s"], "s", "", "")

    podman = r.get("podman", {})
    if "latency" in r:
        latency_rows("1.", r["latency"]["agent"], r["latency"]["peer"])
    if "latency" in podman:
        latency_rows("1P. Podman:", podman["latency"]["agent"], podman["latency"]["peer"])
    if "burst" in r:
        burst_rows("2.", r["burst"]["agent"], r["burst"]["peer"])
    if "burst" in podman:
        burst_rows("2P. Podman:", podman["burst"]["agent"], podman["burst"]["peer"])
    if "pileup" in r:
        a, p = r["pileup"]["agent"], r["pileup"]["peer"]
        row("2b. pile-up: writes after the lock frees", a["writes"], p["writes"], "", "1")
        row("2b. pile-up: writes while the lock is held", a["held_writes"], p["held_writes"], "",
            "0", "")
        row("2b. pile-up: changes never seen in the registry", a["missed"], p["missed"], "", "0",
            "")
        row("2b. pile-up: lock release to registry complete", a["complete"], p["complete"], "ms",
            "")
    if "idle" in r:
        a, p = r["idle"]["agent"], r["idle"]["peer"]
        span = "%d s" % args.idle_seconds
        row("3. idle %s: CPU ticks (utime+stime)" % span, a["ticks"], p["ticks"], "", "0", "")
        row("3. idle %s: context switches, all threads" % span, a["switches"], p["switches"], "",
            "0", "")
        row("3. idle: VmRSS", a["VmRSS"] / 1024, p["VmRSS"] / 1024, "MiB", "")
        row("3. idle: RssAnon (private)", a["RssAnon"] / 1024, p["RssAnon"] / 1024, "MiB",
            "< 4 MiB")
        row("3. idle: VmHWM", a["VmHWM"] / 1024, p["VmHWM"] / 1024, "MiB", "< 16 MiB")
        row("3. idle: threads", a["threads"], p["threads"], "", "", "")
    for size in (100, 300, 1000):
        key = "once%d" % size
        if key in r:
            o = r[key]
            row("4. --once, %d containers + %d assignments" % (size, size), o["agent"],
                o["python"], "ms", ">= 30x" if size == 300 else "")
            row("   (python: its work after imports)", o["agent"], o["python_work"], "ms", "")
            floor = o["libcurl_start"] + o["engine_list"]
            rows.append(("   floor: a process loading libcurl + the engine's list, %d" % size,
                         "%.1f + %.1f ms" % (o["libcurl_start"], o["engine_list"]), "",
                         "at most " + ratio(o["python"], floor), "not ours"))
            row("5. full reconcile (start to \"reconciled\"), %d" % size, o["full"], "", "ms", "",
                "")
    if "once100" in r and "once1000" in r:
        for label, key in (("--once", "agent"), ("full reconcile", "full"), ("python", "python")):
            rows.append(("5. growth 100 -> 1,000, %s" % label,
                         "%.1fx" % (r["once1000"][key] / r["once100"][key]), "", "", "linear"))

    print()
    print("| figure | agent | python peer | peer/agent | target |")
    print("|---|---|---|---|---|")
    for cells in rows:
        print("| " + " | ".join(str(c) for c in cells) + " |")
    print()
    print("trials: %d (latency %d removals each, burst and pile-up %d containers); "
          "--once best of %d; engine containers during 4/5: %s; load average %.1f before, "
          "%.1f after; trials redone after an engine restart: %d; bench took %.0f s"
          % (args.trials, args.latency_count, args.burst_count, args.best_of,
             ", ".join(str(r["once%d" % s]["engine"]) for s in (100, 300, 1000)
                       if "once%d" % s in r), r["load_before"], r.get("load_after", -1),
             r.get("restarts", 0), seconds))
    print("raw: " + json.dumps(r, sort_keys=True))


def fmt(value, unit):
    if value == "" or value is None:
        return ""
    if isinstance(value, float):
        text = "%.2f" % value if value < 100 else "%.0f" % value
    else:
        text = str(value)
    return text + (" " + unit if unit else "")


if __name__ == "__main__":
    main()
