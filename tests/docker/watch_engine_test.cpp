// DockerWatch against the real engine (IPA_TEST_DOCKER_HOST).
#include <catch2/catch.hpp>

#include <chrono>

#include "agent/docker/docker_watch.hpp"
#include "tests/docker/support/engine.hpp"
#include "tests/docker/support/loop_driver.hpp"
#include "tests/docker/support/watch_log.hpp"

using namespace std::chrono_literals;
using ipa::test::docker;

TEST_CASE("the watch syncs with a full list, then delivers the engine's events in order",
          "[engine]") {
  ipa::test::ContainerReaper reaper;
  const auto before = reaper.add(ipa::test::unique_name("before"));
  const auto after = reaper.add(ipa::test::unique_name("after"));
  const std::string before_id = docker("create --name " + before + " iris-sandbox:latest");

  ipa::test::LoopDriver driver;
  ipa::test::WatchLog log;
  {
    ipa::DockerWatch watch(driver.loop(), ipa::test::engine_endpoint(), {}, log.callbacks());
    watch.start();
    REQUIRE(driver.pump_until([&] { return !log.lists.empty(); }, 20s));
    const auto& list = log.lists.front();
    CHECK(std::any_of(list.begin(), list.end(), [&](const auto& c) { return c.id == before_id; }));

    const std::string id = docker("run -d --name " + after + " iris-sandbox:latest");
    docker("kill " + after);
    docker("rm " + after);
    CHECK(driver.pump_until([&] { return log.has(id, "destroy"); }, 20s));
    // find() is -1 for a missing event: the first must be there for the order to mean anything.
    const long created = log.find(id, "create");
    CHECK(created >= 0);
    CHECK(created < log.find(id, "start"));
    CHECK(log.find(id, "start") < log.find(id, "die"));
    CHECK(log.find(id, "die") < log.find(id, "destroy"));
    CHECK(log.losses.empty());
    CHECK(log.lists.size() == 1);

    watch.stop();
    CHECK(driver.drain(5s));  // stop() leaves nothing that keeps the loop alive
  }
}
