#include "agent/agent_note.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace ipa {
namespace {

// The string at `key`, or "" when it is missing, null or not a string.
std::string string_at(const rapidjson::Value& object, const char* key) {
  const auto member = object.FindMember(key);
  if (member == object.MemberEnd() || !member->value.IsString()) {
    return "";
  }
  return {member->value.GetString(), member->value.GetStringLength()};
}

}  // namespace

std::string to_json(const AgentNote& note) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("pid");
  writer.Int64(note.pid);
  writer.Key("version");
  writer.String(note.version);
  writer.Key("started_at");
  writer.String(note.started_at);
  writer.Key("engine");
  writer.StartObject();
  write_engine_address(writer, note);
  writer.Key("kind");
  write_text_or_null(writer, note.engine_info.kind);
  writer.Key("version");
  write_text_or_null(writer, note.engine_info.version);
  writer.EndObject();
  writer.Key("last_synced_at");
  write_text_or_null(writer, note.last_synced_at);
  writer.Key("last_change_at");
  writer.String(note.last_change_at);
  writer.EndObject();
  return buffer.GetString();
}

std::optional<AgentNote> parse_agent_note(std::string_view json) {
  rapidjson::Document document;
  document.Parse(json.data(), json.size());
  if (document.HasParseError() || !document.IsObject()) {
    return std::nullopt;
  }
  AgentNote note;
  const auto pid = document.FindMember("pid");
  note.pid = pid != document.MemberEnd() && pid->value.IsInt64() ? pid->value.GetInt64() : 0;
  note.version = string_at(document, "version");
  note.started_at = string_at(document, "started_at");
  note.last_synced_at = string_at(document, "last_synced_at");
  note.last_change_at = string_at(document, "last_change_at");
  const auto engine = document.FindMember("engine");
  if (engine != document.MemberEnd() && engine->value.IsObject()) {
    note.endpoint = string_at(engine->value, "endpoint");
    note.context = string_at(engine->value, "context");
    note.engine_info.kind = string_at(engine->value, "kind");
    note.engine_info.version = string_at(engine->value, "version");
  }
  return note;
}

bool same_watcher(const AgentNote& recorded, const AgentNote& fresh) {
  return recorded.pid == fresh.pid && recorded.endpoint == fresh.endpoint &&
         recorded.context == fresh.context && recorded.engine_info.kind == fresh.engine_info.kind &&
         recorded.engine_info.version == fresh.engine_info.version;
}

}  // namespace ipa
