#include "agent/assignment_json.hpp"

namespace ipa {

void write_assignment(JsonWriter& writer, const Assignment& assignment) {
  writer.StartObject();
  writer.Key("project_path");
  writer.String(assignment.project_path);
  writer.Key("port");
  writer.Int(assignment.port);
  writer.Key("assigned_at");
  writer.String(assignment.assigned_at);
  writer.Key("assignment_type");
  writer.String(assignment.assignment_type);
  writer.Key("status");
  writer.String(to_string(assignment.status));
  writer.Key("container_name");
  assignment.container_name ? writer.String(*assignment.container_name) : writer.Null();
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
