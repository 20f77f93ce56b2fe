#include "agent/docker/docker_json.hpp"

#include <algorithm>
#include <limits>
#include <optional>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

namespace ipa {
namespace {

constexpr int kIrisPort = 1972;
constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

Error protocol(std::string message) {
  return make_error(ErrorCode::kProtocol, std::move(message));
}

Result<rapidjson::Document> parse_document(std::string_view text, const char* what) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError()) {
    return protocol(std::string(what) +
                    " is not JSON: " + rapidjson::GetParseError_En(doc.GetParseError()) +
                    " at offset " + std::to_string(doc.GetErrorOffset()));
  }
  return doc;
}

const rapidjson::Value* member(const rapidjson::Value& object, const char* name) {
  const auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

const char* string_member(const rapidjson::Value& object, const char* name) {
  const rapidjson::Value* value = member(object, name);
  return value != nullptr && value->IsString() ? value->GetString() : nullptr;
}

Result<std::int64_t> event_time(const rapidjson::Value& object) {
  if (const rapidjson::Value* nano = member(object, "timeNano"); nano != nullptr) {
    if (!nano->IsInt64()) {
      return protocol("event timeNano is not an integer");
    }
    return nano->GetInt64();
  }
  const rapidjson::Value* seconds = member(object, "time");
  if (seconds == nullptr) {
    return protocol("event has neither timeNano nor time");
  }
  constexpr std::int64_t kMaxSeconds = std::numeric_limits<std::int64_t>::max() / kNanosPerSecond;
  if (!seconds->IsInt64() || seconds->GetInt64() < 0 || seconds->GetInt64() > kMaxSeconds) {
    return protocol("event time is not a count of seconds");
  }
  return seconds->GetInt64() * kNanosPerSecond;
}

// Docker lists a container's own name and the aliases legacy links give it
// ("/web/db"); the own name is the one with a single slash.
std::string container_name(const rapidjson::Value& entry) {
  const rapidjson::Value* names = member(entry, "Names");
  if (names == nullptr || !names->IsArray()) {
    return {};
  }
  std::string fallback;
  for (const auto& name : names->GetArray()) {
    if (!name.IsString()) {
      continue;
    }
    std::string_view text(name.GetString(), name.GetStringLength());
    if (!text.empty() && text.front() == '/') {
      text.remove_prefix(1);
    }
    if (text.find('/') == std::string_view::npos) {
      return std::string(text);
    }
    if (fallback.empty()) {
      fallback = text;
    }
  }
  return fallback;
}

// Docker lists a published port once per host address (0.0.0.0 and ::).
// With `private_port`, only the host ports of that container port (tcp).
std::vector<int> host_ports(const rapidjson::Value& entry, std::optional<int> private_port) {
  std::vector<int> ports;
  const rapidjson::Value* list = member(entry, "Ports");
  if (list == nullptr || !list->IsArray()) {
    return ports;
  }
  for (const auto& port : list->GetArray()) {
    if (!port.IsObject()) {
      continue;
    }
    const rapidjson::Value* inner = member(port, "PrivatePort");
    const rapidjson::Value* public_port = member(port, "PublicPort");
    const char* type = string_member(port, "Type");
    if (public_port == nullptr || !public_port->IsInt() || public_port->GetInt() <= 0) {
      continue;
    }
    if (private_port && (inner == nullptr || !inner->IsInt() || inner->GetInt() != *private_port ||
                         type == nullptr || std::string_view(type) != "tcp")) {
      continue;
    }
    if (std::find(ports.begin(), ports.end(), public_port->GetInt()) == ports.end()) {
      ports.push_back(public_port->GetInt());
    }
  }
  return ports;
}

}  // namespace

Result<Event> parse_event_line(std::string_view line) {
  auto doc = parse_document(line, "event");
  if (!doc) {
    return doc.error();
  }
  if (!doc->IsObject()) {
    return protocol("event is not a JSON object");
  }
  Event event;
  const char* type = string_member(*doc, "Type");
  const char* action = string_member(*doc, "Action");
  if (type == nullptr) {
    return protocol("event has no string Type");
  }
  if (action == nullptr) {
    return protocol("event has no string Action");
  }
  event.type = type;
  event.action = action;

  const rapidjson::Value* actor = member(*doc, "Actor");
  if (actor == nullptr || !actor->IsObject()) {
    return protocol("event has no Actor object");
  }
  const char* id = string_member(*actor, "ID");
  if (id == nullptr) {
    return protocol("event has no string Actor.ID");
  }
  event.id = id;
  if (const rapidjson::Value* attributes = member(*actor, "Attributes");
      attributes != nullptr && attributes->IsObject()) {
    for (const auto& attribute : attributes->GetObject()) {
      if (attribute.value.IsString()) {
        event.attributes.emplace(attribute.name.GetString(), attribute.value.GetString());
      }
    }
  }

  auto time = event_time(*doc);
  if (!time) {
    return time.error();
  }
  event.time_nano = *time;
  return event;
}

Result<std::vector<Container>> parse_container_list(std::string_view body) {
  auto doc = parse_document(body, "container list");
  if (!doc) {
    return doc.error();
  }
  if (!doc->IsArray()) {
    return protocol("container list is not a JSON array");
  }
  std::vector<Container> containers;
  containers.reserve(doc->Size());
  for (const auto& entry : doc->GetArray()) {
    if (!entry.IsObject()) {
      return protocol("container list holds a non-object entry");
    }
    const char* id = string_member(entry, "Id");
    if (id == nullptr || *id == '\0') {
      return protocol("container list holds an entry without an Id");
    }
    Container container;
    container.id = id;
    container.name = container_name(entry);
    // A state this build does not know (a newer engine, podman's compat
    // layer) still names a container that exists: keeping it as `created`
    // (present, not known to have stopped) keeps its assignment, where
    // dropping it would mark a live project's port stale. The next event
    // corrects it.
    const char* state = string_member(entry, "State");
    container.state =
        parse_container_state(state == nullptr ? "" : state).value_or(ContainerState::kCreated);
    container.iris_host_ports = host_ports(entry, kIrisPort);
    container.published_host_ports = host_ports(entry, std::nullopt);
    containers.push_back(std::move(container));
  }
  return containers;
}

}  // namespace ipa
