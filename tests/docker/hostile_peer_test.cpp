// The client and the watch against a misbehaving peer on a unix socket.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>

#include "agent/docker/docker_client.hpp"
#include "agent/docker/docker_watch.hpp"
#include "tests/docker/support/hostile_server.hpp"
#include "tests/docker/support/loop_driver.hpp"
#include "tests/docker/support/watch_log.hpp"

using namespace std::chrono_literals;
using ipa::test::HostileServer;

namespace {

// Peak resident memory of this process, in KiB.
long vm_hwm_kib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") {
      long kib = 0;
      status >> kib;
      return kib;
    }
  }
  return -1;
}

struct Stream {
  bool open = false;
  std::optional<ipa::Error> ended;
  std::vector<ipa::Event> events;
};

// Runs one event stream against `server` until `done` or the timeout.
template <class Done>
Stream stream_from(HostileServer& server, Done done, std::chrono::milliseconds timeout) {
  Stream stream;
  ipa::test::LoopDriver driver;
  {
    auto ep = ipa::DockerEndpoint::parse(server.url(), {});
    REQUIRE(ep.ok());
    ipa::DockerClient client(driver.loop(), ep.value());
    client.stream_events(
        std::nullopt, [&] { stream.open = true; },
        [&](const ipa::Event& e) { stream.events.push_back(e); },
        [&](const ipa::Error& e) { stream.ended = e; });
    (void)driver.pump_until([&] { return done(stream); }, timeout);
  }
  CHECK(driver.drain(5s));
  return stream;
}

}  // namespace

TEST_CASE("malformed event lines are skipped and the stream goes on", "[hostile]") {
  HostileServer server([](int fd, const std::string&) {
    HostileServer::send_all(fd, ipa::test::stream_headers());
    HostileServer::send_all(fd, "garbage\n{\"Type\":1}\n\n[]\n{\"Type\":\"container\"}\n");
    HostileServer::send_all(fd, ipa::test::event_line("start", "abc", 42));
    HostileServer::hold_open(fd);
  });
  const auto stream = stream_from(
      server, [](const Stream& s) { return !s.events.empty() || s.ended; }, 5s);
  REQUIRE(stream.events.size() == 1);
  CHECK(stream.events[0].action == "start");
  CHECK(stream.events[0].id == "abc");
  CHECK(stream.events[0].time_nano == 42);
  CHECK_FALSE(stream.ended);
}

TEST_CASE("an endless line is dropped with bounded memory and the stream resynchronises",
          "[hostile]") {
  HostileServer server([](int fd, const std::string&) {
    HostileServer::send_all(fd, ipa::test::stream_headers());
    const std::string chunk(std::size_t{64} * 1024, 'x');
    for (int i = 0; i < 64 * 16; ++i) {  // 64 MiB without a newline
      HostileServer::send_all(fd, chunk);
    }
    HostileServer::send_all(fd, "\n");
    HostileServer::send_all(fd, ipa::test::event_line("die", "abc", 7));
    HostileServer::hold_open(fd);
  });
  const long before = vm_hwm_kib();
  const auto stream = stream_from(
      server, [](const Stream& s) { return !s.events.empty() || s.ended; }, 30s);
  const long grown = vm_hwm_kib() - before;
  REQUIRE(stream.events.size() == 1);
  CHECK(stream.events[0].action == "die");
  WARN("peak memory grew by " << grown << " KiB while 64 MiB streamed without a newline");
  CHECK(grown < 8L * 1024);
}

TEST_CASE("a slow drip of one-byte chunks still yields whole events", "[hostile]") {
  HostileServer server([](int fd, const std::string&) {
    HostileServer::send_all(fd, ipa::test::chunked_headers());
    const std::string lines =
        ipa::test::event_line("kill", "abc", 1) + ipa::test::event_line("stop", "abc", 2);
    for (const char c : lines) {
      HostileServer::send_chunk(fd, std::string(1, c));
      std::this_thread::sleep_for(1ms);
    }
    HostileServer::hold_open(fd);
  });
  const auto stream = stream_from(
      server, [](const Stream& s) { return s.events.size() == 2 || s.ended; }, 10s);
  REQUIRE(stream.events.size() == 2);
  CHECK(stream.events[0].action == "kill");
  CHECK(stream.events[1].action == "stop");
}

TEST_CASE("an abrupt close mid-line ends the stream once, with an error", "[hostile]") {
  HostileServer server([](int fd, const std::string&) {
    HostileServer::send_all(fd, ipa::test::chunked_headers());
    HostileServer::send_chunk(fd, ipa::test::event_line("start", "abc", 1));
    HostileServer::send_chunk(fd, R"({"Type":"contai)");
  });  // closes without the last chunk
  const auto stream = stream_from(
      server, [](const Stream& s) { return s.ended.has_value(); }, 5s);
  REQUIRE(stream.ended);
  CHECK(stream.ended->code == ipa::ErrorCode::kDockerUnreachable);
  CHECK(stream.events.size() == 1);
}

TEST_CASE("an HTTP 500 ends the stream with the status and the engine's message", "[hostile]") {
  HostileServer server([](int fd, const std::string&) {
    HostileServer::send_all(fd,
                            "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json"
                            "\r\nContent-Length: 29\r\n\r\n{\"message\":\"daemon on fire\"}\n");
  });
  const auto stream = stream_from(
      server, [](const Stream& s) { return s.ended.has_value(); }, 5s);
  REQUIRE(stream.ended);
  CHECK(stream.ended->code == ipa::ErrorCode::kProtocol);
  CHECK_THAT(stream.ended->message, Catch::Contains("HTTP 500"));
  CHECK_THAT(stream.ended->message, Catch::Contains("daemon on fire"));
  CHECK_FALSE(stream.open);
  CHECK(stream.events.empty());
}

TEST_CASE("a missing socket ends the stream with an error naming the endpoint", "[hostile]") {
  ipa::test::LoopDriver driver;
  std::optional<ipa::Error> ended;
  {
    auto ep = ipa::DockerEndpoint::parse("unix:///tmp/ipa-no-such-dir/docker.sock", {});
    REQUIRE(ep.ok());
    ipa::DockerClient client(driver.loop(), ep.value());
    client.stream_events(
        std::nullopt, [] {}, [](const ipa::Event&) {}, [&](const ipa::Error& e) { ended = e; });
    REQUIRE(driver.pump_until([&] { return ended.has_value(); }, 5s));
  }
  CHECK(driver.drain(5s));
  CHECK(ended->code == ipa::ErrorCode::kDockerUnreachable);
  CHECK_THAT(ended->message, Catch::Contains("unix:///tmp/ipa-no-such-dir/docker.sock"));
}

TEST_CASE("a container list over 64 MiB is refused", "[hostile]") {
  HostileServer server([](int fd, const std::string&) {
    HostileServer::send_all(fd,
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                            "Content-Length: 104857600\r\n\r\n[");
    const std::string chunk(std::size_t{64} * 1024, ' ');
    for (int i = 0; i < 100 * 16; ++i) {
      HostileServer::send_all(fd, chunk);
    }
  });
  ipa::test::LoopDriver driver;
  std::optional<ipa::Result<std::vector<ipa::Container>>> list;
  {
    auto ep = ipa::DockerEndpoint::parse(server.url(), {});
    REQUIRE(ep.ok());
    ipa::DockerClient client(driver.loop(), ep.value());
    client.list_containers([&](auto result) { list = std::move(result); });
    REQUIRE(driver.pump_until([&] { return list.has_value(); }, 30s));
  }
  CHECK(driver.drain(5s));
  REQUIRE_FALSE(list->ok());
  CHECK(list->error().code == ipa::ErrorCode::kProtocol);
  CHECK_THAT(list->error().message, Catch::Contains("64 MiB"));
}

TEST_CASE("the watch retries a failing peer with growing delays and reports the outage once",
          "[hostile]") {
  std::mutex mutex;
  std::vector<std::chrono::steady_clock::time_point> attempts;
  HostileServer server([&](int fd, const std::string&) {
    {
      const std::lock_guard<std::mutex> lock(mutex);
      attempts.push_back(std::chrono::steady_clock::now());
    }
    HostileServer::send_all(fd, "HTTP/1.1 500 X\r\nContent-Length: 0\r\n\r\n");
  });
  ipa::test::LoopDriver driver;
  ipa::test::WatchLog log;
  {
    auto ep = ipa::DockerEndpoint::parse(server.url(), {});
    REQUIRE(ep.ok());
    ipa::DockerWatch watch(driver.loop(), ep.value(), ipa::Backoff{100, 400}, log.callbacks());
    watch.start();
    driver.pump_for(2500ms);
    watch.stop();
  }
  CHECK(driver.drain(5s));
  CHECK(log.losses.size() == 1);
  CHECK(log.lists.empty());
  const std::lock_guard<std::mutex> lock(mutex);
  // Delays of 50-100, 100-200, then 200-400 ms: about 9 attempts in 2.5 s.
  INFO("attempts: " << attempts.size());
  CHECK(attempts.size() >= 6);
  CHECK(attempts.size() <= 16);
  for (std::size_t i = 3; i < attempts.size(); ++i) {
    CHECK(attempts[i] - attempts[i - 1] >= 190ms);
  }
}
