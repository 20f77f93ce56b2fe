"""The agent against a Docker endpoint that misbehaves, or is not there at all."""

import os
import socket
import subprocess
import threading
import time
import unittest

from ipa_testing.agent import Agent
from ipa_testing.cases import AgentTestCase
from ipa_testing.engines import docker_host
from ipa_testing.figures import figure
from ipa_testing.proc import cpu_ticks, status_kib
from ipa_testing.registry_entries import assignment
from ipa_testing.waiting import wait_for

PING_OK = (b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: text/plain\r\n"
           b"Content-Length: 2\r\n\r\nOK")
STREAM_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
LIST_OK = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
           b"Connection: close\r\n\r\n[]")
MIB = 1024 * 1024


class HostileEngine:
    """A unix-socket 'Docker engine' that answers /_ping and /containers/json but
    serves /events (or everything) the way `mode` says."""

    def __init__(self, path, mode):
        self.path, self.mode = path, mode
        self.requests = []  # (monotonic time, first request line)
        self.stopping = False
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(64)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def close(self):
        self.stopping = True
        self.server.close()

    def pings(self):
        return [t for t, line in self.requests if "/_ping" in line]

    def serve(self):
        while not self.stopping:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()

    def handle(self, conn):
        try:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                request += chunk
            line = request.split(b"\r\n", 1)[0].decode()
            self.requests.append((time.monotonic(), line))
            getattr(self, "serve_" + self.mode)(conn, line)
        except OSError:
            pass
        finally:
            conn.close()

    def answer(self, conn, line, events):
        if "/_ping" in line:
            conn.sendall(PING_OK)
        elif "/containers/json" in line:
            conn.sendall(LIST_OK)
        else:
            events(conn)

    def serve_malformed_json(self, conn, line):
        def events(c):
            c.sendall(STREAM_HEAD + b'{"Type":"container","Action":\n{{{{\n\x00\xff\xfe\n'
                      b'[1,2,3]\n{"Type":"container","Action":"die","Actor":{"ID":7}}\n"x"\n')
            time.sleep(0.5)
        self.answer(conn, line, events)

    def serve_huge_line(self, conn, line):
        def events(c):
            c.sendall(STREAM_HEAD)
            block = b"x" * MIB
            for _ in range(64):
                c.sendall(block)
            c.sendall(b"\n")
        self.answer(conn, line, events)

    def serve_slow_drip(self, conn, line):
        def events(c):
            c.sendall(STREAM_HEAD)
            for byte in b'{"Type":"container","Action":"start","Actor":{"ID":"a"},"timeNano":1}\n' * 2:
                c.sendall(bytes([byte]))
                time.sleep(0.02)
        self.answer(conn, line, events)

    def serve_abrupt_close(self, conn, line):
        if "/_ping" in line:
            conn.sendall(PING_OK)
        # anything else: hang up without a word

    def serve_http_500(self, conn, line):
        conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 27\r\n\r\n{\"message\":\"engine broken\"}")

    def serve_wrong_content_type(self, conn, line):
        page = b"<html><body>502 Bad Gateway</body></html>"
        head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n"
                b"Connection: close\r\n\r\n" % len(page))
        if "/_ping" in line:
            conn.sendall(PING_OK)
        else:
            conn.sendall(head + page)


class HostileEndpoint(AgentTestCase):

    def run_against(self, mode, seconds=6.0, gaps_grow=True, min_connections=3):
        path = os.path.join(self.dir, "hostile.sock")
        engine = HostileEngine(path, mode)
        self.addCleanup(engine.close)
        agent = Agent(self.registry, host="unix://" + path)
        self.agents.append(agent)
        time.sleep(seconds)
        self.assertIsNone(agent.process.poll(), "agent died:\n" + agent.text())
        hwm = status_kib(agent.process.pid, "VmHWM")
        pings = engine.pings()
        figure("hostile %s: VmHWM" % mode, "%.1f MiB" % (hwm / 1024.0))
        figure("hostile %s: connections in %.0f s" % (mode, seconds), len(pings))
        # 32 MiB for the product; ASan's shadow memory and quarantine add about
        # 35 MiB to an idle agent, still far below what a buffered 64 MiB line takes.
        budget = 96 if os.environ.get("IPA_TEST_SANITIZE") else 32
        self.assertLess(hwm, budget * 1024, "VmHWM %d KiB" % hwm)
        self.assertEqual(agent.stop(), 0, agent.text())
        # With backoff the attempts thin out: no more than a handful of pings,
        # and the later gaps are longer than the first.
        self.assertGreaterEqual(len(pings), min_connections, agent.text())
        self.assertLessEqual(len(pings), 15, "%d reconnects in %.0f s:\n%s" %
                             (len(pings), seconds, agent.text()[-3000:]))
        gaps = [b - a for a, b in zip(pings, pings[1:])]
        if gaps_grow:
            self.assertGreater(max(gaps[-2:]), min(gaps[:2]) * 2, gaps)
        # Logging is bounded per connection (bad lines are capped per stream,
        # the outage is one line), so with the backoff the log cannot flood.
        warnings = agent.text().count("warning")
        figure("hostile %s: warning lines" % mode, warnings)
        self.assertLessEqual(warnings, 8 * len(pings), agent.text()[-3000:])
        return agent

    def test_malformed_json_lines_neither_crash_nor_spin_the_agent(self):
        self.run_against("malformed_json")

    def test_a_64_mib_line_keeps_the_agent_under_32_mib(self):
        self.run_against("huge_line", seconds=8.0)

    def test_a_slow_drip_is_read_without_harm(self):
        # Each drip lasts about 3 s, so there is no room for the backoff to show.
        # Two connections show the reconnect after the drip ends.
        self.run_against("slow_drip", gaps_grow=False, min_connections=2)

    def test_an_abrupt_close_is_retried_with_backoff(self):
        self.run_against("abrupt_close")

    def test_http_500s_are_retried_with_backoff(self):
        self.run_against("http_500")

    def test_a_wrong_content_type_is_retried_with_backoff(self):
        self.run_against("wrong_content_type")


class NoEngineAtStart(AgentTestCase):

    def test_once_without_an_engine_exits_3_with_one_line(self):
        missing = "unix://" + os.path.join(self.dir, "nothing.sock")
        result = subprocess.run([os.environ["IPA_AGENT_BINARY"], "--registry", self.registry,
                                 "--docker-host", missing, "--once"],
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 3, result.stderr)
        lines = result.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertIn("nothing.sock", lines[0])
        self.assertFalse(os.path.exists(self.registry))

    def test_watch_mode_waits_quietly_and_syncs_as_soon_as_the_engine_appears(self):
        gone = self.name("gone")
        self.write_registry([assignment("/p/gone", 26600, container_name=gone)])
        sock = os.path.join(self.dir, "docker.sock")
        agent = Agent(self.registry, host="unix://" + sock)
        self.agents.append(agent)
        time.sleep(1.0)
        ticks_before = cpu_ticks(agent.process.pid)
        time.sleep(5.0)
        ticks = cpu_ticks(agent.process.pid) - ticks_before
        figure("no engine: CPU ticks in 5 s away", ticks)
        self.assertLessEqual(ticks, 5, "the agent spins while the engine is away")
        self.assertEqual(self.statuses(), {"/p/gone": "active"})
        warnings = [l for l in agent.text().splitlines() if "warning" in l or "error" in l]
        self.assertEqual(len(warnings), 1, agent.text())
        # The engine "appears": its socket shows up at the configured path.
        real = docker_host()[len("unix://"):]
        appeared = time.monotonic()
        os.symlink(real, sock)
        wait_for(lambda: "reconciled" in agent.text(), timeout=5, what="the first sync")
        self.wait_status("/p/gone", "stale", timeout=5)
        took = time.monotonic() - appeared
        figure("no engine: registry right after the socket appeared", "%.3f s" % took)
        self.assertLess(took, 1.0)


if __name__ == "__main__":
    unittest.main()
