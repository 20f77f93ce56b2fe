#include "registry/registry.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "registry/exact_numbers.hpp"
#include "registry/python_json_writer.hpp"

namespace ipa {
namespace {

using python_json::ExactParse;
using python_json::is_big_integer;
using python_json::kMaxIntegerDigits;
using python_json::PythonStyleWriter;
using python_json::skip_string;
using rapidjson::SizeType;
using rapidjson::Value;

// Python's json module gives up near this depth (RecursionError); RapidJSON
// would recurse without a limit when copying or writing the document.
constexpr int kMaxNesting = 1000;

constexpr const char* kRepairHint = "run `iris-port-agent repair` to restore the last good copy";

// ---------------------------------------------------------------------------
// Reading and validating.

// The deepest [ / { nesting outside strings, computed without recursion.
int nesting_depth(std::string_view bytes) {
  int depth = 0;
  int deepest = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (c == '"') {
      i = skip_string(bytes, i);
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

std::string line_and_column(std::string_view bytes, std::size_t offset) {
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset && i < bytes.size(); ++i) {
    if (bytes[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

Error corrupt(const std::string& path, const std::string& what) {
  return make_error(ErrorCode::kRegistryCorrupt, path + ": " + what + "; " + kRepairHint);
}

const Value* find_member(const Value& object, const char* name) {
  const auto member = object.FindMember(name);
  return member == object.MemberEnd() ? nullptr : &member->value;
}

// Requirements follow what iris-devtester itself needs to read an assignment
// (PortAssignment.from_dict): the three states, a string timestamp, an integer
// port; container_name may be missing or null, assignment_type is optional.
std::optional<std::string> assignment_problem(const Value& entry) {
  if (!entry.IsObject()) {
    return " must be an object";
  }
  const Value* project_path = find_member(entry, "project_path");
  if (project_path == nullptr || !project_path->IsString()) {
    return ".project_path must be a string";
  }
  const Value* port = find_member(entry, "port");
  if (port == nullptr || !port->IsInt()) {
    return ".port must be an integer";
  }
  const Value* status = find_member(entry, "status");
  if (status == nullptr || !status->IsString() ||
      !parse_assignment_status(status->GetString()).has_value()) {
    return ".status must be one of \"active\", \"released\", \"stale\"";
  }
  const Value* assigned_at = find_member(entry, "assigned_at");
  if (assigned_at == nullptr || !assigned_at->IsString()) {
    return ".assigned_at must be a string";
  }
  const Value* type = find_member(entry, "assignment_type");
  if (type != nullptr && !type->IsString()) {
    return ".assignment_type must be a string";
  }
  const Value* container = find_member(entry, "container_name");
  if (container != nullptr && !container->IsString() && !container->IsNull()) {
    return ".container_name must be a string or null";
  }
  return std::nullopt;
}

// A missing schema_version reads as 1.0: iris-devtester never checks it and a
// hand-written registry often lacks it. A missing "assignments" is corrupt, as
// it is for iris-devtester (KeyError), which also keeps a stray JSON file at
// the registry path from being taken for an empty registry and rewritten.
Result<Ok> validate_schema(const Value& root, const std::string& path) {
  const Value* version = find_member(root, "schema_version");
  if (version == nullptr) {
    return Ok{};
  }
  if (!version->IsString()) {
    return corrupt(path, "schema_version must be a string such as \"1.0\"");
  }
  const std::string_view text(version->GetString(), version->GetStringLength());
  if (text.substr(0, text.find('.')) != "1") {
    return make_error(ErrorCode::kRegistryUnsupported,
                      path + ": schema_version \"" + std::string(text) +
                          "\" is not supported (this agent reads 1.x); upgrade iris-port-agent "
                          "or point --registry at a 1.x registry");
  }
  return Ok{};
}

Result<Ok> validate(const Value& root, const std::string& path) {
  if (!root.IsObject()) {
    return corrupt(path, "the top level must be a JSON object");
  }
  auto schema = validate_schema(root, path);
  if (!schema) {
    return schema;
  }
  const Value* assignments = find_member(root, "assignments");
  if (assignments == nullptr || !assignments->IsArray()) {
    return corrupt(path, "assignments must be an array");
  }
  for (SizeType i = 0; i < assignments->Size(); ++i) {
    if (auto problem = assignment_problem((*assignments)[i])) {
      return corrupt(path, "assignments[" + std::to_string(i) + "]" + *problem);
    }
  }
  return Ok{};
}

// A leading 0xFF is not UTF-8, so serialize() would write it as U+FFFD
// anyway; storing it so keeps the agent's strings apart from kBigInteger.
Value string_value(std::string_view text, rapidjson::Document::AllocatorType& allocator) {
  if (is_big_integer(text.data(), static_cast<SizeType>(text.size()))) {
    const std::string replaced = "\uFFFD" + std::string(text.substr(1));
    return Value(replaced.data(), static_cast<SizeType>(replaced.size()), allocator);
  }
  return Value(text.data(), static_cast<SizeType>(text.size()), allocator);
}

// Python's json.load makes each object a dict: a repeated key keeps the
// place of its first occurrence and takes the value of its last. Reading the
// same way, and so writing each key once, keeps the agent and Python from
// seeing two different registries in one file. The nesting was bounded before.
void keep_last_of_duplicates(Value& value) {
  if (value.IsArray()) {
    for (Value& element : value.GetArray()) {
      keep_last_of_duplicates(element);
    }
    return;
  }
  if (!value.IsObject()) {
    return;
  }
  const auto count = static_cast<std::ptrdiff_t>(value.MemberCount());
  const auto member = [&](std::ptrdiff_t i) -> rapidjson::Value::Member& {
    return value.MemberBegin()[i];
  };
  const auto name_of = [&](std::ptrdiff_t i) {
    return std::string_view(member(i).name.GetString(), member(i).name.GetStringLength());
  };
  // Small objects (every assignment) are scanned without allocating.
  constexpr std::ptrdiff_t kSmallObject = 16;
  std::unordered_map<std::string_view, std::ptrdiff_t> first_of;
  const auto first_occurrence = [&](std::ptrdiff_t i) {
    if (count <= kSmallObject) {
      std::ptrdiff_t j = 0;
      while (name_of(j) != name_of(i)) {
        ++j;
      }
      return j;
    }
    return first_of.emplace(name_of(i), i).first->second;
  };
  std::vector<bool> repeated;  // allocated at the first duplicate only
  for (std::ptrdiff_t i = 0; i < count; ++i) {
    const std::ptrdiff_t first = first_occurrence(i);
    if (first != i) {
      member(first).value = member(i).value;  // RapidJSON's assignment moves
      repeated.resize(static_cast<std::size_t>(count));
      repeated[static_cast<std::size_t>(i)] = true;
    }
  }
  if (!repeated.empty()) {
    // Names move only now: short ones live inside the Value, and the lookup
    // above holds views of them.
    std::ptrdiff_t kept = 0;
    for (std::ptrdiff_t i = 0; i < count; ++i) {
      if (!repeated[static_cast<std::size_t>(i)]) {
        member(kept).name.Swap(member(i).name);
        member(kept).value.Swap(member(i).value);
        ++kept;
      }
    }
    value.EraseMember(value.MemberBegin() + kept, value.MemberEnd());
  }
  for (auto& each : value.GetObject()) {
    keep_last_of_duplicates(each.value);
  }
}

// A member that validate() proved present (operator[] would hide a missing one).
const Value& validated_member(const Value& object, const char* name) {
  return object.FindMember(name)->value;
}

std::string string_of(const Value& value) {
  return std::string(value.GetString(), value.GetStringLength());
}

}  // namespace

struct Registry::Impl {
  rapidjson::Document document;
  std::size_t parsed_size = 0;  // about what serialize() writes

  // parse() and the constructor guarantee the member exists.
  Value& assignments() { return document.FindMember("assignments")->value; }
  const Value& assignments() const { return validated_member(document, "assignments"); }
  Value& entry(std::size_t index) { return assignments()[static_cast<SizeType>(index)]; }

  // Replaces the member's value, or appends the member when it is absent.
  void set_member(Value& object, const char* name, Value value) {
    auto& allocator = document.GetAllocator();
    const auto member = object.FindMember(name);
    if (member != object.MemberEnd()) {
      member->value = std::move(value);
      return;
    }
    object.AddMember(string_value(name, allocator), value, allocator);
  }
};

Registry::Registry() : impl_(std::make_unique<Impl>()) {
  auto& document = impl_->document;
  auto& allocator = document.GetAllocator();
  document.SetObject();
  document.AddMember("schema_version", "1.0", allocator);
  document.AddMember("assignments", Value(rapidjson::kArrayType), allocator);
}

Registry::~Registry() = default;
Registry::Registry(Registry&&) noexcept = default;
Registry& Registry::operator=(Registry&&) noexcept = default;

Registry::Registry(const Registry& other) : impl_(std::make_unique<Impl>()) {
  impl_->document.CopyFrom(other.impl_->document, impl_->document.GetAllocator());
  impl_->parsed_size = other.impl_->parsed_size;
}

Registry& Registry::operator=(const Registry& other) {
  if (this != &other) {
    Registry copy(other);
    *this = std::move(copy);
  }
  return *this;
}

Result<Registry> Registry::parse(std::string_view bytes, const std::string& path) {
  if (nesting_depth(bytes) > kMaxNesting) {
    return corrupt(path, "nested deeper than " + std::to_string(kMaxNesting) + " levels");
  }
  Registry registry;
  auto& document = registry.impl_->document;
  ExactParse parse{bytes, {}};
  document.Populate(parse);
  if (parse.too_long_integer) {
    return corrupt(path, "an integer of more than " + std::to_string(kMaxIntegerDigits) +
                             " digits near " + line_and_column(bytes, parse.result.Offset()) +
                             ", which Python's json module refuses to read");
  }
  if (parse.result.IsError()) {
    const std::size_t offset = parse.result.Offset();
    return corrupt(path, std::string("not valid JSON: ") +
                             rapidjson::GetParseError_En(parse.result.Code()) + " at " +
                             line_and_column(bytes, offset) + " (byte " + std::to_string(offset) +
                             ")");
  }
  keep_last_of_duplicates(document);
  auto valid = validate(document, path);
  if (!valid) {
    return valid.error();
  }
  registry.impl_->parsed_size = bytes.size();
  return registry;
}

std::string python_json_string(std::string_view text) {
  std::string literal;
  python_json::append_python_string_literal(literal, text);
  return literal;
}

std::string Registry::serialize() const {
  // Sized once for about what was read: growing the buffer as it fills
  // copied the whole output several times over.
  rapidjson::StringBuffer buffer(nullptr, impl_->parsed_size + impl_->parsed_size / 8 + 256);
  PythonStyleWriter writer(buffer);
  impl_->document.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

std::vector<Assignment> Registry::assignments() const {
  std::vector<Assignment> result;
  const Value& entries = impl_->assignments();
  result.reserve(entries.Size());
  for (const Value& entry : entries.GetArray()) {
    Assignment assignment;
    assignment.project_path = string_of(validated_member(entry, "project_path"));
    assignment.port = validated_member(entry, "port").GetInt();
    assignment.status =
        parse_assignment_status(string_of(validated_member(entry, "status"))).value();
    assignment.assigned_at = string_of(validated_member(entry, "assigned_at"));
    if (const Value* type = find_member(entry, "assignment_type")) {
      assignment.assignment_type = string_of(*type);
    }
    if (const Value* container = find_member(entry, "container_name");
        container != nullptr && container->IsString()) {
      assignment.container_name = string_of(*container);
    }
    result.push_back(std::move(assignment));
  }
  return result;
}

std::size_t Registry::size() const {
  return impl_->assignments().Size();
}

void Registry::set_status(std::size_t index, AssignmentStatus status) {
  impl_->set_member(impl_->entry(index), "status",
                    string_value(to_string(status), impl_->document.GetAllocator()));
}

void Registry::set_container_name(std::size_t index, const std::string& name) {
  impl_->set_member(impl_->entry(index), "container_name",
                    string_value(name, impl_->document.GetAllocator()));
}

void Registry::append(const Assignment& assignment) {
  auto& allocator = impl_->document.GetAllocator();
  Value entry(rapidjson::kObjectType);
  // The key order iris-devtester's PortAssignment.to_dict writes.
  entry.AddMember("project_path", string_value(assignment.project_path, allocator), allocator);
  entry.AddMember("port", assignment.port, allocator);
  entry.AddMember("assigned_at", string_value(assignment.assigned_at, allocator), allocator);
  entry.AddMember("assignment_type", string_value(assignment.assignment_type, allocator),
                  allocator);
  entry.AddMember("status", string_value(to_string(assignment.status), allocator), allocator);
  Value container;  // null, as iris-devtester writes an unknown container
  if (assignment.container_name) {
    container = string_value(*assignment.container_name, allocator);
  }
  entry.AddMember("container_name", container, allocator);
  impl_->assignments().PushBack(entry, allocator);
}

void Registry::remove(std::size_t index) {
  auto& entries = impl_->assignments();
  entries.Erase(entries.Begin() + index);
}

void Registry::clear_assignments() {
  impl_->assignments().Clear();
}

std::optional<std::string> Registry::agent_json() const {
  const Value* agent = find_member(impl_->document, "agent");
  if (agent == nullptr || !agent->IsObject()) {
    return std::nullopt;
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  agent->Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<Ok> Registry::set_agent_json(std::string_view object_json) {
  rapidjson::Document parsed;
  ExactParse parse{object_json, {}};
  parsed.Populate(parse);
  if (parse.result.IsError() || !parsed.IsObject()) {
    return make_error(ErrorCode::kUsage, "the agent metadata is not a JSON object: " +
                                             std::string(object_json.substr(0, 80)));
  }
  Value agent;
  agent.CopyFrom(parsed, impl_->document.GetAllocator());
  impl_->set_member(impl_->document, "agent", std::move(agent));
  return Ok{};
}

}  // namespace ipa
