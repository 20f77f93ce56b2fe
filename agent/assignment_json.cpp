#include "agent/assignment_json.hpp"

#include "registry/registry.hpp"

namespace ipa {
namespace {

// Written as the registry writes them: a path whose bytes are not UTF-8
// (surrogate-escaped) comes out as "\udcXX", valid JSON a program can read.
void write_text(JsonWriter& writer, const std::string& text) {
  const std::string literal = python_json_string(text);
  writer.RawValue(literal.data(), literal.size(), rapidjson::kStringType);
}

}  // namespace

void write_assignment(JsonWriter& writer, const Assignment& assignment) {
  writer.StartObject();
  writer.Key("project_path");
  write_text(writer, assignment.project_path);
  writer.Key("port");
  writer.Int(assignment.port);
  writer.Key("assigned_at");
  write_text(writer, assignment.assigned_at);
  writer.Key("assignment_type");
  writer.String(assignment.assignment_type);
  writer.Key("status");
  writer.String(to_string(assignment.status));
  writer.Key("container_name");
  assignment.container_name ? write_text(writer, *assignment.container_name) : (void)writer.Null();
  writer.EndObject();
}

std::string assignment_json(const Assignment& assignment) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  writer.SetIndent(' ', 2);
  write_assignment(writer, assignment);
  return buffer.GetString();
}

}  // namespace ipa
