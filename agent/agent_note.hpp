#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agent/docker/engine_info.hpp"
#include "config/version.hpp"

namespace ipa {

// The registry's "agent" note: who writes, which engine it watches, and when
// it last synced and changed anything. The agent writes it; readers (status,
// iris-devtester, the next agent) find the running agent in it.
struct AgentNote {
  std::int64_t pid = 0;
  std::string version = kVersion;  // the agent's
  std::string started_at;          // ISO 8601
  std::string endpoint;            // the engine's URL
  std::string context;             // the docker context that named it; empty: none did
  EngineInfo engine_info;          // what the engine's ping said; empty until it answered
  std::string last_synced_at;      // ISO 8601 UTC; empty: not yet
  std::string last_change_at;      // ISO 8601 UTC
};

std::string to_json(const AgentNote& note);

// The note as the registry holds it. Keys a note lacks (an older agent's)
// stay empty, a pid that is not an integer 0; nullopt when it is no object.
std::optional<AgentNote> parse_agent_note(std::string_view json);

// The same agent watching the same engine: a reconnect, not news for readers.
bool same_watcher(const AgentNote& recorded, const AgentNote& fresh);

// The note leaves out nothing it does not know: an empty text is null.
template <typename Writer>
void write_text_or_null(Writer& writer, const std::string& text) {
  text.empty() ? writer.Null() : writer.String(text);
}

// The note's "engine" object as status --json shows it: where the agent
// watches (its endpoint and context), written once for both documents.
template <typename Writer>
void write_engine_address(Writer& writer, const AgentNote& note) {
  writer.Key("endpoint");
  writer.String(note.endpoint);
  writer.Key("context");
  write_text_or_null(writer, note.context);
}

}  // namespace ipa
