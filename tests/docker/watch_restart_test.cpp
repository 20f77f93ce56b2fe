// DockerWatch across restarts of the sandbox's dockerd. Runs alone (RUN_SERIAL).
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include "agent/docker/docker_watch.hpp"
#include "tests/docker/support/engine.hpp"
#include "tests/docker/support/loop_driver.hpp"
#include "tests/docker/support/watch_log.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using ipa::test::docker;

namespace {

std::string socket_path() {
  const std::string host = ipa::test::engine_host();
  REQUIRE(host.rfind("unix://", 0) == 0);
  return host.substr(7);
}

std::string sandbox_dir() {
  const std::string path = socket_path();
  return path.substr(0, path.rfind('/'));
}

int dockerd_pid() {
  std::ifstream in(sandbox_dir() + "/docker.pid");
  int pid = 0;
  in >> pid;
  return pid;
}

void stop_dockerd() {
  const int pid = dockerd_pid();
  INFO("the engine must be the sandbox's dockerd (no " << sandbox_dir() << "/docker.pid)");
  REQUIRE(pid > 0);
  REQUIRE(::kill(pid, SIGTERM) == 0);
  const auto deadline = Clock::now() + 30s;
  while (::kill(pid, 0) == 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  REQUIRE(::kill(pid, 0) != 0);
}

// Without the test run's marker, so that scripts/test does not take the new
// dockerd for a process the tests left behind.
int start_sandbox() {
  return ipa::test::run("env -u IPA_TEST_RUN_ID IPA_SANDBOX_DIR='" + sandbox_dir() + "' '" +
                        IPA_SOURCE_DIR "/scripts/docker-sandbox' start >/dev/null")
      .status;
}

// Brings the sandbox back whatever happens to the test.
struct SandboxRestorer {
  ~SandboxRestorer() {
    if (::kill(dockerd_pid(), 0) != 0) {
      (void)start_sandbox();
    }
  }
};

// Blocks until the engine answers a ping: connects as soon as the socket
// takes connections and waits on that one request, which the engine answers
// the moment it serves.
bool wait_first_answer(const std::string& path, const std::atomic<bool>& keep_trying) {
  while (keep_trying) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    timeval timeout{60, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    bool ok = false;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
      const char request[] = "GET /_ping HTTP/1.0\r\n\r\n";
      char reply[16] = {};
      ok = ::send(fd, request, sizeof request - 1, MSG_NOSIGNAL) > 0 &&
           ::recv(fd, reply, sizeof reply - 1, 0) > 0 && std::strncmp(reply, "HTTP/1.", 7) == 0 &&
           std::strncmp(reply + 8, " 200", 4) == 0;
    }
    ::close(fd);
    if (ok) {
      return true;
    }
    std::this_thread::sleep_for(2ms);
  }
  return false;
}

}  // namespace

TEST_CASE(
    "the watch survives dockerd restarts: one on_lost per outage, outage events through "
    "since, reconnect as soon as the engine answers",
    "[engine][docker-restart]") {
  SandboxRestorer restorer;
  ipa::test::ContainerReaper reaper;
  const auto first = reaper.add(ipa::test::unique_name("first"));
  const auto second = reaper.add(ipa::test::unique_name("second"));
  ipa::test::LoopDriver driver;
  ipa::test::WatchLog log;
  ipa::DockerWatch watch(driver.loop(), ipa::test::engine_endpoint(), {}, log.callbacks());
  watch.start();
  REQUIRE(driver.pump_until([&] { return log.lists.size() == 1; }, 20s));

  const std::string first_id = docker("run -d --name " + first + " iris-sandbox:latest");
  docker("kill " + first);
  REQUIRE(driver.pump_until([&] { return log.has(first_id, "die"); }, 20s));

  SECTION("events while disconnected") {
    stop_dockerd();
    REQUIRE(driver.pump_until([&] { return !log.losses.empty(); }, 10s));

    // The loop does not run: the watch is disconnected while the engine acts.
    REQUIRE(start_sandbox() == 0);
    const std::string second_id = docker("create --name " + second + " iris-sandbox:latest");
    docker("rm " + first);

    const bool resumed = driver.pump_until(
        [&] {
          return log.lists.size() == 2 && log.has(second_id, "create") &&
                 log.has(first_id, "destroy");
        },
        30s);
    CHECK(resumed);
    CHECK(log.losses.size() == 1);
    CHECK(log.events_before_sync.at(1) <= static_cast<std::size_t>(log.find(second_id, "create")));
    const long dies = std::count_if(log.events.begin(), log.events.end(), [&](const auto& e) {
      return e.id == first_id && e.action == "die";
    });
    CHECK(dies == 1);  // nothing delivered twice
  }

  SECTION("reconnect while the loop runs") {
    stop_dockerd();
    REQUIRE(driver.pump_until([&] { return !log.losses.empty(); }, 10s));
    driver.pump_for(3s);  // several failed retries: still one on_lost

    Clock::time_point answered{};
    std::atomic<bool> watching{true};
    std::thread starter([&] { (void)start_sandbox(); });
    const std::string path = socket_path();  // Catch's macros are for this thread only
    std::thread prober([&] {
      if (wait_first_answer(path, watching)) {
        answered = Clock::now();
      }
    });
    const bool synced = driver.pump_until([&] { return log.lists.size() == 2; }, 90s);
    const auto synced_at = Clock::now();
    watching = false;
    prober.join();
    starter.join();
    REQUIRE(synced);
    REQUIRE(answered != Clock::time_point{});
    CHECK(log.losses.size() == 1);
    const auto lag = std::chrono::duration_cast<std::chrono::milliseconds>(synced_at - answered);
    WARN("resynced " << lag.count() << " ms after the restarted engine first answered a ping");
    CHECK(lag < 1000ms);
  }

  watch.stop();
  CHECK(driver.drain(5s));
}
