// DockerClient and DockerWatch over ssh://: a real sshd started by each test
// on a loopback port, docker.io's CLI running `docker system dial-stdio` in
// its sessions, the real engine (IPA_TEST_DOCKER_HOST) behind it.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "agent/docker/docker_client.hpp"
#include "agent/docker/docker_watch.hpp"
#include "tests/docker/support/engine.hpp"
#include "tests/docker/support/loop_driver.hpp"
#include "tests/docker/support/sshd.hpp"
#include "tests/docker/support/watch_log.hpp"

using namespace std::chrono_literals;
using ipa::test::docker;

namespace {

ipa::DockerEndpoint endpoint(const std::string& url) {
  auto ep = ipa::DockerEndpoint::parse(url, {});
  INFO(url);
  REQUIRE(ep.ok());
  return ep.value();
}

ipa::Result<std::string> ping(ipa::test::LoopDriver& driver, ipa::DockerClient& client) {
  std::optional<ipa::Result<std::string>> version;
  client.ping([&](ipa::Result<std::string> v) { version = std::move(v); });
  REQUIRE(driver.pump_until([&] { return version.has_value(); }, 30s));
  return std::move(*version);
}

// A TCP port that completes the handshake and then never says a word, as
// a host whose sshd hangs.
class SilentPort {
 public:
  SilentPort() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    auto* raw = reinterpret_cast<sockaddr*>(&address);
    REQUIRE(::bind(fd_, raw, size) == 0);
    REQUIRE(::listen(fd_, 8) == 0);
    REQUIRE(::getsockname(fd_, raw, &size) == 0);
    port_ = ntohs(address.sin_port);
  }
  ~SilentPort() { ::close(fd_); }
  SilentPort(const SilentPort&) = delete;
  SilentPort& operator=(const SilentPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_;
  int port_ = 0;
};

}  // namespace

TEST_CASE("over ssh, ping, the event stream and the list work as on the engine's socket", "[ssh]") {
  ipa::test::ThrowawaySshd sshd;
  ipa::test::ContainerReaper reaper;
  const auto name = reaper.add(ipa::test::unique_name("ssh"));
  ipa::test::LoopDriver driver;
  {
    ipa::DockerClient client(driver.loop(), endpoint(sshd.url()));
    const auto version = ping(driver, client);
    INFO((version ? "" : version.error().message));
    REQUIRE(version.ok());
    CHECK_THAT(version.value(), Catch::Matches(R"(\d+\.\d+)"));

    bool open = false;
    std::vector<ipa::Event> events;
    std::optional<ipa::Error> ended;
    client.stream_events(
        std::nullopt, [&] { open = true; }, [&](const ipa::Event& e) { events.push_back(e); },
        [&](const ipa::Error& e) { ended = e; });
    REQUIRE(driver.pump_until([&] { return open; }, 30s));

    const std::string id = docker("run -d --name " + name + " iris-sandbox:latest");
    std::optional<ipa::Result<std::vector<ipa::Container>>> list;
    client.list_containers([&](auto result) { list = std::move(result); });
    REQUIRE(driver.pump_until([&] { return list.has_value(); }, 30s));
    REQUIRE(list->ok());
    CHECK(std::any_of(list->value().begin(), list->value().end(),
                      [&](const ipa::Container& c) { return c.id == id && c.name == name; }));
    // The stream and the list ran side by side: one ssh each.
    docker("rm -f " + name);
    CHECK(driver.pump_until(
        [&] {
          return std::any_of(events.begin(), events.end(), [&](const ipa::Event& e) {
            return e.id == id && e.action == "destroy";
          });
        },
        30s));
    CHECK_FALSE(ended.has_value());
    CHECK(sshd.ssh_processes() == 1);  // the stream's; the ping's and the list's are gone
    client.cancel_all();
  }
  CHECK(driver.drain(10s));
  CHECK(sshd.ssh_processes() == 0);
}

TEST_CASE("a key the server refuses fails with ssh's own words and no ssh left behind", "[ssh]") {
  ipa::test::ThrowawaySshd sshd;
  sshd.use_unknown_key();
  ipa::test::LoopDriver driver;
  {
    ipa::DockerClient client(driver.loop(), endpoint(sshd.url()));
    const auto version = ping(driver, client);
    REQUIRE_FALSE(version.ok());
    CHECK(version.error().code == ipa::ErrorCode::kDockerUnreachable);
    const std::string& message = version.error().message;
    CHECK_THAT(message, Catch::StartsWith("Docker engine at " + sshd.url() + ": GET /_ping: "));
    CHECK_THAT(message, Catch::Contains("ssh exited with status 255"));
    CHECK_THAT(message, Catch::Contains("Permission denied (publickey)"));
    CHECK_THAT(message, Catch::Contains("ssh -o BatchMode=yes"));
    CHECK(message.find('\n') == std::string::npos);
  }
  CHECK(driver.drain(10s));
  CHECK(sshd.ssh_processes() == 0);
}

TEST_CASE("the remote docker CLI's complaint reaches the error line", "[ssh]") {
  ipa::test::ThrowawaySshd sshd;
  ipa::test::LoopDriver driver;
  {
    ipa::DockerClient client(driver.loop(), endpoint(sshd.url("/nonexistent/docker.sock")));
    const auto version = ping(driver, client);
    REQUIRE_FALSE(version.ok());
    CHECK_THAT(version.error().message, Catch::Contains("ssh exited with status 1"));
    CHECK_THAT(version.error().message, Catch::Contains("/nonexistent/docker.sock"));
  }
  CHECK(driver.drain(10s));
}

TEST_CASE(
    "when sshd goes away mid-stream the watch says so, reconnects, resumes with since and "
    "reconciles",
    "[ssh]") {
  ipa::test::ThrowawaySshd sshd;
  ipa::test::ContainerReaper reaper;
  const auto gone = reaper.add(ipa::test::unique_name("gone"));
  const auto born = reaper.add(ipa::test::unique_name("born"));
  const auto marker = reaper.add(ipa::test::unique_name("marker"));
  const std::string gone_id = docker("run -d --name " + gone + " iris-sandbox:latest");

  ipa::test::LoopDriver driver;
  ipa::test::WatchLog log;
  {
    ipa::DockerWatch watch(driver.loop(), endpoint(sshd.url()), ipa::Backoff{100, 1000},
                           log.callbacks());
    watch.start();
    REQUIRE(driver.pump_until([&] { return !log.lists.empty(); }, 30s));
    // An event seen before the outage is where `since` resumes.
    const std::string marker_id = docker("create --name " + marker + " iris-sandbox:latest");
    REQUIRE(driver.pump_until([&] { return log.has(marker_id, "create"); }, 30s));

    sshd.stop();
    REQUIRE(driver.pump_until([&] { return !log.losses.empty(); }, 30s));
    CHECK_THAT(log.losses.front().message, Catch::Contains("ssh"));
    // What happens while the host is unreachable comes back through since.
    docker("rm -f " + gone);
    const std::string born_id = docker("run -d --name " + born + " iris-sandbox:latest");
    driver.pump_for(1500ms);  // a few failed attempts against the closed port
    CHECK(log.lists.size() == 1);

    sshd.start();
    REQUIRE(driver.pump_until([&] { return log.lists.size() == 2; }, 30s));
    CHECK(log.losses.size() == 1);  // one line per outage
    const auto& relisted = log.lists.back();
    CHECK(std::none_of(relisted.begin(), relisted.end(),
                       [&](const auto& c) { return c.id == gone_id; }));
    CHECK(std::any_of(relisted.begin(), relisted.end(),
                      [&](const auto& c) { return c.id == born_id; }));
    CHECK(driver.pump_until([&] { return log.has(gone_id, "destroy"); }, 30s));
    CHECK(log.has(born_id, "start"));

    watch.stop();
  }
  CHECK(driver.drain(10s));
  CHECK(sshd.ssh_processes() == 0);
}

TEST_CASE("a client ended while its ssh still connects ends that ssh at once", "[ssh]") {
  const SilentPort silent;
  ipa::test::LoopDriver driver;
  {
    ipa::DockerClient client(driver.loop(),
                             endpoint("ssh://root@127.0.0.1:" + std::to_string(silent.port())));
    client.ping([](const ipa::Result<std::string>&) {});
    REQUIRE(driver.pump_until([&] { return ipa::test::ssh_processes(silent.port()) == 1; }, 10s));
  }
  // ssh would wait for the banner until its ConnectTimeout (10 s).
  CHECK(driver.drain(2s));
  CHECK(ipa::test::ssh_processes(silent.port()) == 0);
}

TEST_CASE("without an ssh client on PATH the error says so", "[ssh]") {
  const std::string saved = std::getenv("PATH");
  const auto empty = std::filesystem::temp_directory_path() / "ipa-no-ssh-here";
  std::filesystem::create_directories(empty);
  ::setenv("PATH", empty.c_str(), 1);
  ipa::test::LoopDriver driver;
  std::optional<ipa::Error> failure;
  {
    ipa::DockerClient client(driver.loop(), endpoint("ssh://root@127.0.0.1:1"));
    client.ping([&](const ipa::Result<std::string>& v) {
      if (!v) {
        failure = v.error();
      }
    });
    driver.pump_until([&] { return failure.has_value(); }, 10s);
  }
  ::setenv("PATH", saved.c_str(), 1);
  REQUIRE(failure.has_value());
  CHECK_THAT(failure->message, Catch::Contains("cannot run ssh: no such file or directory"));
  CHECK_THAT(failure->message, Catch::Contains("OpenSSH client"));
  CHECK(driver.drain(5s));
}
