// DockerClient against the real engines (IPA_TEST_DOCKER_HOST, IPA_TEST_PODMAN_HOST).
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>

#include "agent/docker/docker_client.hpp"
#include "agent/docker/event_cursor.hpp"
#include "tests/docker/support/engine.hpp"
#include "tests/docker/support/loop_driver.hpp"

using namespace std::chrono_literals;
using ipa::test::docker;
using ipa::test::engine_endpoint;

namespace {

// True if `actions` holds `expected` in this order (other actions may come between).
bool in_order(const std::vector<std::string>& actions, const std::vector<std::string>& expected) {
  auto it = actions.begin();
  for (const auto& want : expected) {
    it = std::find(it, actions.end(), want);
    if (it == actions.end()) {
      return false;
    }
    ++it;
  }
  return true;
}

struct Stream {
  bool open = false;
  std::optional<ipa::Error> ended;
  std::vector<ipa::Event> events;

  std::vector<std::string> actions_of(const std::string& id) const {
    std::vector<std::string> actions;
    for (const auto& e : events) {
      if (e.id == id) {
        actions.push_back(e.action);
      }
    }
    return actions;
  }

  void start(ipa::DockerClient& client, std::optional<std::int64_t> since) {
    client.stream_events(
        since, [this] { open = true; }, [this](const ipa::Event& e) { events.push_back(e); },
        [this](const ipa::Error& e) { ended = e; });
  }
};

void ping(ipa::test::LoopDriver& driver, ipa::DockerClient& client) {
  std::optional<ipa::Result<std::string>> version;
  client.ping([&](ipa::Result<std::string> v) { version = std::move(v); });
  REQUIRE(driver.pump_until([&] { return version.has_value(); }, 20s));
  INFO((version->ok() ? "" : version->error().message));
  REQUIRE(version->ok());
  CHECK_THAT(version->value(), Catch::Matches(R"(\d+\.\d+)"));
}

}  // namespace

TEST_CASE("the ping says which engine answers: Docker or Podman, its version and API",
          "[engine][podman]") {
  struct Row {
    const char* kind;
    std::string (*host)();
  };
  const Row row = GENERATE(
      values<Row>({{"Docker", ipa::test::engine_host}, {"Podman", ipa::test::podman_host}}));
  CAPTURE(row.kind);
  ipa::test::LoopDriver driver;
  auto ep = ipa::DockerEndpoint::parse(row.host(), {});
  REQUIRE(ep.ok());
  ipa::DockerClient client(driver.loop(), ep.value());
  CHECK(client.engine().kind.empty());
  ping(driver, client);
  CHECK(client.engine().kind == row.kind);
  CHECK_THAT(client.engine().version, Catch::Matches(R"(\d+\.\d+\.\d+.*)"));
  CHECK_THAT(ipa::describe(client.engine()),
             Catch::Matches(std::string(row.kind) + R"( \d+\.\d+\.\d+\S* \(API \d+\.\d+\))"));
}

TEST_CASE("the list sees created, running and exited containers with their published ports",
          "[engine]") {
  ipa::test::ContainerReaper reaper;
  const auto created = reaper.add(ipa::test::unique_name("created"));
  const auto running = reaper.add(ipa::test::unique_name("running"));
  const auto exited = reaper.add(ipa::test::unique_name("exited"));
  const std::string image = " iris-sandbox:latest";
  const std::string created_id = docker("create --name " + created + " -p 127.0.0.1::1972" + image);
  const std::string running_id = docker("run -d --name " + running + " -p 127.0.0.1::1972" + image);
  const std::string exited_id = docker("run -d --name " + exited + " -p 127.0.0.1::1972" + image);
  docker("kill " + exited);
  const int running_port = ipa::test::published_iris_port(running);

  ipa::test::LoopDriver driver;
  {
    ipa::DockerClient client(driver.loop(), engine_endpoint());
    ping(driver, client);
    std::optional<ipa::Result<std::vector<ipa::Container>>> list;
    client.list_containers([&](auto result) { list = std::move(result); });
    REQUIRE(driver.pump_until([&] { return list.has_value(); }, 20s));
    INFO((list->ok() ? "" : list->error().message));
    REQUIRE(list->ok());

    std::map<std::string, ipa::Container> by_id;
    for (const auto& c : list->value()) {
      by_id[c.id] = c;
    }
    REQUIRE(by_id.count(created_id) == 1);
    REQUIRE(by_id.count(running_id) == 1);
    REQUIRE(by_id.count(exited_id) == 1);
    CHECK(by_id[created_id].name == created);
    CHECK(by_id[created_id].state == ipa::ContainerState::kCreated);
    CHECK(by_id[running_id].name == running);
    CHECK(by_id[running_id].state == ipa::ContainerState::kRunning);
    CHECK(by_id[running_id].iris_host_ports == std::vector<int>{running_port});
    CHECK(by_id[exited_id].state == ipa::ContainerState::kExited);
    CHECK(by_id[exited_id].iris_host_ports.empty());  // Docker lists ports of running ones only
  }
  CHECK(driver.drain(5s));
}

TEST_CASE("the stream delivers create, start, rename, kill, die, stop and destroy in order",
          "[engine]") {
  ipa::test::ContainerReaper reaper;
  const auto name = reaper.add(ipa::test::unique_name("life"));
  ipa::test::LoopDriver driver;
  {
    ipa::DockerClient client(driver.loop(), engine_endpoint());
    ping(driver, client);
    Stream stream;
    stream.start(client, std::nullopt);
    REQUIRE(driver.pump_until([&] { return stream.open || stream.ended; }, 10s));
    REQUIRE_FALSE(stream.ended);

    const std::string id = docker("run -d --name " + name + " iris-sandbox:latest");
    docker("rename " + name + " " + name + "-renamed");
    reaper.add(name + "-renamed");
    docker("kill " + name + "-renamed");
    docker("start " + name + "-renamed");
    docker("stop -t 0 " + name + "-renamed");
    docker("rm " + name + "-renamed");

    const std::vector<std::string> expected{"create", "start", "rename", "kill", "die",
                                            "start",  "kill",  "die",    "stop", "destroy"};
    const bool all = driver.pump_until(
        [&] { return in_order(stream.actions_of(id), expected) || stream.ended; }, 20s);
    INFO("actions seen: " << Catch::Detail::stringify(stream.actions_of(id)));
    CHECK(all);
    CHECK_FALSE(stream.ended);

    const auto die = std::find_if(stream.events.begin(), stream.events.end(),
                                  [&](const auto& e) { return e.id == id && e.action == "die"; });
    REQUIRE(die != stream.events.end());
    CHECK(die->attributes.at("exitCode") == "137");
    for (const auto& e : stream.events) {
      CHECK(e.type == "container");
    }
  }
  CHECK(driver.drain(5s));
}

TEST_CASE("since resumes the stream at a past event, which is sent again", "[engine]") {
  ipa::test::ContainerReaper reaper;
  const auto name = reaper.add(ipa::test::unique_name("since"));
  ipa::test::LoopDriver driver;
  {
    ipa::DockerClient client(driver.loop(), engine_endpoint());
    ping(driver, client);
    Stream first;
    first.start(client, std::nullopt);
    REQUIRE(driver.pump_until([&] { return first.open; }, 10s));
    const std::string id = docker("create --name " + name + " iris-sandbox:latest");
    REQUIRE(driver.pump_until([&] { return !first.actions_of(id).empty(); }, 10s));
    const auto create = *std::find_if(first.events.begin(), first.events.end(),
                                      [&](const auto& e) { return e.id == id; });
    client.cancel_all();

    // While no stream is open:
    docker("rm " + name);

    Stream resumed;
    resumed.start(client, create.time_nano);
    const bool both = driver.pump_until(
        [&] {
          return in_order(resumed.actions_of(id), {"create", "destroy"});
        },
        10s);
    INFO("actions seen: " << Catch::Detail::stringify(resumed.actions_of(id)));
    CHECK(both);
    CHECK(resumed.events.front().time_nano >= create.time_nano);
  }
  CHECK(driver.drain(5s));
}

// Podman reads `since` as a float: it re-sends the newest event seen, or
// more, or (rounding up) none; whichever it does, only the new one passes.
TEST_CASE(
    "on Podman, a stream resumed at the cursor re-sends what was seen, and the cursor drops "
    "exactly that",
    "[engine][podman]") {
  const std::string host = ipa::test::podman_host();
  const auto podman = [&](const std::string& args) {
    const auto result = ipa::test::run("docker -H '" + host + "' " + args);
    INFO(args);
    REQUIRE(result.status == 0);
    return result.out;
  };
  const std::string name = ipa::test::unique_name("since");
  struct Remover {
    std::string command;
    ~Remover() { (void)ipa::test::run(command); }
  } remover{"docker -H '" + host + "' rm -f " + name + " >/dev/null 2>&1"};
  ipa::test::LoopDriver driver;
  {
    auto ep = ipa::DockerEndpoint::parse(host, {});
    REQUIRE(ep.ok());
    ipa::DockerClient client(driver.loop(), ep.value());
    ping(driver, client);
    ipa::EventCursor cursor;
    Stream first;
    first.start(client, std::nullopt);
    REQUIRE(driver.pump_until([&] { return first.open; }, 10s));
    const std::string id =
        podman("create --network none --name " + name + " iris-sandbox:latest sleep 60");
    podman("start " + id);
    podman("kill " + id);
    REQUIRE(driver.pump_until(
        [&] {
          return in_order(first.actions_of(id), {"create", "start", "kill", "die"});
        },
        20s));
    driver.pump_for(1s);  // the cleanup events after the die
    for (const auto& e : first.events) {
      CHECK(cursor.admit(e));
    }
    client.cancel_all();

    // While no stream is open:
    podman("rm " + id);

    Stream resumed;
    cursor.resume();
    resumed.start(client, cursor.since());
    REQUIRE(driver.pump_until(
        [&] {
          const auto actions = resumed.actions_of(id);
          return !actions.empty() && actions.back() == "remove";
        },
        20s));
    std::vector<std::string> admitted;
    for (const auto& e : resumed.events) {
      if (cursor.admit(e) && e.id == id) {
        admitted.push_back(e.action);
      }
    }
    INFO("resumed stream: " << Catch::Detail::stringify(resumed.actions_of(id)));
    CHECK(admitted == std::vector<std::string>{"remove"});
  }
  CHECK(driver.drain(5s));
}
