"""The two sides the bench compares, each watching one registry: the agent, or the Python
peer (bench/peer_watcher.py)."""

import os
import signal
import subprocess
import sys

from clocks import POLL
from ipa_testing.waiting import wait_for


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
                     60, POLL, "the agent's first reconcile")
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
