// The "agent" note after a full sync (docs/protocol.md, "The agent key"): a
// reader sees a new agent or a new engine at once, but a reconnect of the
// same agent to the same engine, with nothing else changed, writes nothing
// ("It writes only when something changed").

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "agent/reconcile_job.hpp"

namespace {

struct TempRegistry {
  std::string dir;
  std::string path;
  TempRegistry() {
    char pattern[] = "/tmp/ipa-reconcile-job-XXXXXX";
    dir = ::mkdtemp(pattern);
    path = dir + "/port-registry.json";
    std::ofstream(path) << R"({
  "schema_version": "1.0",
  "assignments": [
    {
      "project_path": "/p/a",
      "port": 1972,
      "assigned_at": "2026-12-01T10:00:00",
      "assignment_type": "auto",
      "status": "active",
      "container_name": "iris-a"
    }
  ]
})";
  }
  ~TempRegistry() {
    const std::string command = "rm -rf '" + dir + "'";
    (void)std::system(command.c_str());
  }
  TempRegistry(const TempRegistry&) = delete;
  TempRegistry& operator=(const TempRegistry&) = delete;

  std::string bytes() const {
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }
};

// A full sync in which the project's container runs: no assignment changes.
ipa::ReconcileJob sync_with_note(const ipa::AgentNote& note) {
  auto list = std::make_shared<const std::vector<ipa::Container>>(std::vector<ipa::Container>{
      ipa::Container{"c1", "iris-a", ipa::ContainerState::kRunning, {1972}, {1972}}});
  ipa::ReconcileJob job;
  job.steps.emplace_back(ipa::ContainerList(list));
  job.present_names = {"iris-a"};
  job.clock = ipa::Clock{1'764'583'200, 0};
  job.agent_note = note;
  job.always_record_agent = true;
  return job;
}

ipa::AgentNote note(int pid, const std::string& endpoint, const std::string& synced_at) {
  ipa::AgentNote note;
  note.pid = pid;
  note.endpoint = endpoint;
  note.last_synced_at = synced_at;
  return note;
}

bool written(const ipa::ReconcileResult& result) {
  REQUIRE(result.outcome);
  return result.outcome->written;
}

}  // namespace

TEST_CASE("a sync records a new agent's note even when nothing else changed", "[agent][note]") {
  const TempRegistry registry;
  ipa::WriterMemory memory;
  const auto result = ipa::run_reconcile_job(
      registry.path, sync_with_note(note(100, "unix:///a.sock", "T1")), {}, memory);
  CHECK(written(result));
  CHECK(registry.bytes().find("\"pid\": 100") != std::string::npos);
}

TEST_CASE("a reconnect of the same agent to the same engine writes nothing", "[agent][note]") {
  const TempRegistry registry;
  ipa::WriterMemory memory;
  (void)ipa::run_reconcile_job(registry.path, sync_with_note(note(100, "unix:///a.sock", "T1")), {},
                               memory);
  const std::string before = registry.bytes();
  const auto again = ipa::run_reconcile_job(
      registry.path, sync_with_note(note(100, "unix:///a.sock", "T2")), {}, memory);
  CHECK_FALSE(written(again));
  CHECK(registry.bytes() == before);
}

TEST_CASE("a sync against another engine records the new engine", "[agent][note]") {
  const TempRegistry registry;
  ipa::WriterMemory memory;
  (void)ipa::run_reconcile_job(registry.path, sync_with_note(note(100, "unix:///a.sock", "T1")), {},
                               memory);
  const auto switched = ipa::run_reconcile_job(
      registry.path, sync_with_note(note(100, "unix:///podman.sock", "T2")), {}, memory);
  CHECK(written(switched));
  CHECK(registry.bytes().find("unix:///podman.sock") != std::string::npos);
}
