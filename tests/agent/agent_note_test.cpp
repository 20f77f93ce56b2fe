// The registry's "agent" note (docs/protocol.md, "The agent key"): what the
// agent writes is what status and the next agent read back.

#include <catch2/catch.hpp>
#include <string>

#include "agent/agent_note.hpp"

namespace {

ipa::AgentNote watching(std::int64_t pid, const std::string& endpoint) {
  ipa::AgentNote note;
  note.pid = pid;
  note.started_at = "2026-12-02T05:00:00.000000Z";
  note.endpoint = endpoint;
  note.context = "desktop-linux";
  note.engine_info.kind = "Docker";
  note.engine_info.version = "20.10.24";
  note.last_synced_at = "2026-12-02T05:00:01.000000Z";
  note.last_change_at = "2026-12-02T05:00:02.000000Z";
  return note;
}

}  // namespace

TEST_CASE("the note reads back as it was written", "[agent][note]") {
  const ipa::AgentNote written = watching(4242, "unix:///run/docker.sock");
  const auto read = ipa::parse_agent_note(ipa::to_json(written));
  REQUIRE(read);
  CHECK(read->pid == 4242);
  CHECK(read->version == written.version);
  CHECK(read->started_at == written.started_at);
  CHECK(read->endpoint == written.endpoint);
  CHECK(read->context == written.context);
  CHECK(read->engine_info == written.engine_info);
  CHECK(read->last_synced_at == written.last_synced_at);
  CHECK(read->last_change_at == written.last_change_at);
}

TEST_CASE("an engine not yet answered and no sync yet are null in the note", "[agent][note]") {
  ipa::AgentNote note = watching(1, "unix:///run/docker.sock");
  note.context.clear();
  note.engine_info = {};
  note.last_synced_at.clear();
  const std::string json = ipa::to_json(note);
  CHECK(json.find(R"("context":null,"kind":null,"version":null})") != std::string::npos);
  CHECK(json.find(R"("last_synced_at":null)") != std::string::npos);
}

TEST_CASE("an older agent's note without the engine reads as no engine", "[agent][note]") {
  const auto read = ipa::parse_agent_note(R"({"pid": 7, "last_change_at": "T"})");
  REQUIRE(read);
  CHECK(read->pid == 7);
  CHECK(read->endpoint.empty());
  CHECK(read->last_change_at == "T");
  CHECK_FALSE(ipa::parse_agent_note("[1]"));
  CHECK(ipa::parse_agent_note(R"({"pid": "7"})")->pid == 0);
}

TEST_CASE("the same agent on the same engine is the same watcher", "[agent][note]") {
  const ipa::AgentNote recorded = watching(4242, "unix:///run/docker.sock");
  ipa::AgentNote later = recorded;
  later.last_synced_at = "2026-12-02T06:00:00.000000Z";
  later.last_change_at = "2026-12-02T06:00:00.000000Z";
  CHECK(ipa::same_watcher(recorded, later));
  CHECK_FALSE(ipa::same_watcher(recorded, watching(4243, "unix:///run/docker.sock")));
  CHECK_FALSE(ipa::same_watcher(recorded, watching(4242, "unix:///podman.sock")));
  ipa::AgentNote other_context = recorded;
  other_context.context = "colima";
  CHECK_FALSE(ipa::same_watcher(recorded, other_context));
}
