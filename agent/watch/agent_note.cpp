#include "agent/watch/agent_note.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "agent/wall_clock.hpp"
#include "config/version.hpp"

namespace ipa {

std::string to_json(const AgentNote& note) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("pid");
  writer.Int64(note.pid);
  writer.Key("version");
  writer.String(kVersion);
  writer.Key("started_at");
  writer.String(note.started_at);
  writer.Key("engine");
  writer.StartObject();
  writer.Key("endpoint");
  writer.String(note.endpoint);
  writer.Key("context");
  note.context.empty() ? writer.Null() : writer.String(note.context);
  writer.Key("kind");
  note.engine_info.kind.empty() ? writer.Null() : writer.String(note.engine_info.kind);
  writer.Key("version");
  note.engine_info.version.empty() ? writer.Null() : writer.String(note.engine_info.version);
  writer.EndObject();
  writer.Key("last_synced_at");
  note.last_synced_nano == 0 ? writer.Null() : writer.String(iso8601_utc(note.last_synced_nano));
  writer.Key("last_change_at");
  writer.String(iso8601_utc(note.last_change_nano));
  writer.EndObject();
  return buffer.GetString();
}

}  // namespace ipa
