#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "registry/registry.hpp"
#include "registry/registry_file.hpp"
#include "tests/registry/test_support.hpp"

namespace {

using ipa::AssignmentStatus;
using ipa::ErrorCode;
using ipa::Registry;
using ipa::test::TempDir;

// As iris-devtester writes it (json.dump, indent=2), with keys it does not know.
const std::string kPythonWritten = R"({
  "schema_version": "1.0",
  "assignments": [
    {
      "project_path": "/home/dev/project-a",
      "port": 1972,
      "assigned_at": "2025-01-17T10:30:00.123456",
      "assignment_type": "auto",
      "status": "active",
      "container_name": "iris_71a751fb_1972",
      "owner_note": {
        "team": "caf\u00e9",
        "tags": []
      }
    },
    {
      "project_path": "/home/dev/project-b",
      "port": 1973,
      "assigned_at": "2025-01-17T11:00:00",
      "assignment_type": "manual",
      "status": "stale",
      "container_name": null
    }
  ],
  "written_by": "some other tool",
  "ratios": [
    0.1,
    1e-07,
    12345678901234567890
  ]
})";

std::string python_dump(const std::string& file) {
  int exit_code = 0;
  std::string out = ipa::test::output_of(
      {IPA_PYTHON, std::string(IPA_TEST_DIR) + "/python_dump.py", file}, exit_code);
  REQUIRE(exit_code == 0);
  return out;
}

Registry parsed(const std::string& bytes) {
  auto registry = Registry::parse(bytes, "/x/port-registry.json");
  INFO((registry ? std::string() : registry.error().message));
  REQUIRE(registry.ok());
  return std::move(registry).value();
}

std::string with_one_assignment(const std::string& assignment_json) {
  return R"({"schema_version": "1.0", "assignments": [)" + assignment_json + "]}";
}

const std::string kGoodAssignment =
    R"({"project_path": "/p", "port": 1972, "assigned_at": "2025-01-17T10:30:00",
        "assignment_type": "auto", "status": "active", "container_name": null})";

}  // namespace

TEST_CASE("unknown keys, order and values survive a round trip") {
  const Registry registry = parsed(kPythonWritten);
  CHECK(registry.serialize() == kPythonWritten);
}

TEST_CASE("serialize writes what Python's json.dump(indent=2) writes, byte for byte") {
  TempDir dir;
  const std::string input = dir.file("input.json");
  // Odd spacing, escapes Python writes differently, every kind of value.
  ipa::test::write_bytes(input, std::string(R"({"schema_version":"1.0","assignments":[],)") +
                                    R"("unicode":"caf\u00e9 \u65e5\u672c \ud83d\ude00 é",)" +
                                    R"("escapes":"q\" b\\ s\/ \b\f\n\r\t \u0001 \u007f",)" +
                                    R"("nested":{"a":{"b":[{},[],null,true,false]},"empty":{}},)" +
                                    R"("floats":[1.5,0.1,100.0,1E2,-0.0,1e-7,0.0001,1e16,)" +
                                    R"(1e15,123456789.125,2.5e-300,1.7976931348623157e308,)" +
                                    R"(5e-324,3.141592653589793,NaN,Infinity,-Infinity],)" +
                                    R"("ints":[0,-1,9007199254740993,9223372036854775807,)" +
                                    R"(-9223372036854775808,18446744073709551615],)" +
                                    R"("ключ":"значение"})");
  const Registry registry = parsed(ipa::test::read_bytes(input));
  const std::string ours = registry.serialize();
  CHECK(ours == python_dump(input));

  ipa::test::write_bytes(input, ours);
  CHECK(python_dump(input) == ours);
}

TEST_CASE("a registry written by Python parses with its fields") {
  const Registry registry = parsed(kPythonWritten);
  const auto assignments = registry.assignments();
  REQUIRE(assignments.size() == 2);
  CHECK(assignments[0].project_path == "/home/dev/project-a");
  CHECK(assignments[0].port == 1972);
  CHECK(assignments[0].status == AssignmentStatus::kActive);
  CHECK(assignments[0].container_name == "iris_71a751fb_1972");
  CHECK(assignments[0].assigned_at == "2025-01-17T10:30:00.123456");
  CHECK(assignments[0].assignment_type == "auto");
  CHECK(assignments[1].status == AssignmentStatus::kStale);
  CHECK_FALSE(assignments[1].container_name.has_value());
}

TEST_CASE("container_name may be missing or null, assignment_type and schema_version missing") {
  const Registry registry = parsed(
      R"({"assignments": [{"project_path": "/p", "port": 1972, "assigned_at": "t",
                          "status": "released"}]})");
  const auto assignments = registry.assignments();
  REQUIRE(assignments.size() == 1);
  CHECK_FALSE(assignments[0].container_name.has_value());
  CHECK(assignments[0].assignment_type.empty());
  CHECK(assignments[0].status == AssignmentStatus::kReleased);
  CHECK(registry.serialize().find("schema_version") == std::string::npos);
}

TEST_CASE("a registry that is not valid JSON or has the wrong shape is corrupt, naming the field") {
  struct Case {
    std::string bytes;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"", "not valid JSON: The document is empty"},
      {R"({"schema_version": "1.0", "assignments": [)", "not valid JSON"},
      {"{\"assignments\": []}\n{}", "not valid JSON"},
      {"[]", "the top level must be a JSON object"},
      {"{}", "assignments must be an array"},
      {R"({"schema_version": "1.0", "assignments": {}})", "assignments must be an array"},
      {R"({"schema_version": 1.0, "assignments": []})", "schema_version must be a string"},
      {with_one_assignment("42"), "assignments[0] must be an object"},
      {with_one_assignment(R"({"port": 1972, "assigned_at": "t", "status": "active"})"),
       "assignments[0].project_path must be a string"},
      {with_one_assignment(
           R"({"project_path": "/p", "port": "1972", "assigned_at": "t", "status": "active"})"),
       "assignments[0].port must be an integer"},
      {with_one_assignment(
           R"({"project_path": "/p", "port": 1972.5, "assigned_at": "t", "status": "active"})"),
       "assignments[0].port must be an integer"},
      {with_one_assignment(
           R"({"project_path": "/p", "port": 1972, "assigned_at": "t", "status": "gone"})"),
       "assignments[0].status must be one of"},
      {with_one_assignment(R"({"project_path": "/p", "port": 1972, "status": "active"})"),
       "assignments[0].assigned_at must be a string"},
      {with_one_assignment(R"({"project_path": "/p", "port": 1972, "assigned_at": "t",
                               "status": "active", "container_name": 5})"),
       "assignments[0].container_name must be a string or null"},
      {with_one_assignment(R"({"project_path": "/p", "port": 1972, "assigned_at": "t",
                               "status": "active", "assignment_type": false})"),
       "assignments[0].assignment_type must be a string"},
      {with_one_assignment("{\"project_path\": \"/\xff\", \"port\": 1972}"), "not valid JSON"},
      {"{\"assignments\": [], \"deep\": " + std::string(5000, '[') + std::string(5000, ']') + "}",
       "nested deeper than"},
  };
  TempDir dir;
  const std::string path = dir.file("port-registry.json");
  for (const auto& c : cases) {
    ipa::test::write_bytes(path, c.bytes);
    const auto loaded = ipa::load_registry(path);
    INFO(c.bytes.substr(0, 200));
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.error().code == ErrorCode::kRegistryCorrupt);
    CHECK(loaded.error().message.find(path + ": ") == 0);
    CHECK(loaded.error().message.find(c.message_part) != std::string::npos);
    CHECK(loaded.error().message.find('\n') == std::string::npos);
    CHECK(ipa::test::read_bytes(path) == c.bytes);
  }
}

TEST_CASE("the failing field is named with its assignment's index") {
  std::string bytes = R"({"schema_version": "1.0", "assignments": [)";
  for (int i = 0; i < 3; ++i) {
    bytes += kGoodAssignment + ",";
  }
  bytes += R"({"project_path": "/p", "port": null, "assigned_at": "t", "status": "active"}]})";
  const auto registry = Registry::parse(bytes, "/x/port-registry.json");
  REQUIRE_FALSE(registry.ok());
  CHECK(registry.error().message.rfind(
            "/x/port-registry.json: assignments[3].port must be an integer", 0) == 0);
}

TEST_CASE("a schema_version whose major is not 1 is unsupported") {
  for (const std::string version : {"2.0", "2", "10.1", ""}) {
    const auto registry = Registry::parse(
        R"({"schema_version": ")" + version + R"(", "assignments": []})", "/x/reg.json");
    REQUIRE_FALSE(registry.ok());
    CHECK(registry.error().code == ErrorCode::kRegistryUnsupported);
    CHECK(registry.error().message.find("\"" + version + "\"") != std::string::npos);
  }
  for (const std::string version : {"1.0", "1", "1.7"}) {
    CHECK(Registry::parse(R"({"schema_version": ")" + version + R"(", "assignments": []})",
                          "/x/reg.json")
              .ok());
  }
}

TEST_CASE("a changed status keeps its place and everything else stays as it was") {
  Registry registry = parsed(kPythonWritten);
  registry.set_status(0, AssignmentStatus::kStale);
  std::string expected = kPythonWritten;
  const std::string active = R"("status": "active")";
  expected.replace(expected.find(active), active.size(), R"("status": "stale")");
  CHECK(registry.serialize() == expected);
}

TEST_CASE("a backfilled container name replaces null in place or goes last when missing") {
  Registry registry = parsed(kPythonWritten);
  registry.set_container_name(1, "iris_abc_1973");
  std::string expected = kPythonWritten;
  const std::string null_name = R"("container_name": null)";
  expected.replace(expected.find(null_name), null_name.size(),
                   R"("container_name": "iris_abc_1973")");
  CHECK(registry.serialize() == expected);

  Registry without = parsed(with_one_assignment(
      R"({"project_path": "/p", "port": 1, "assigned_at": "t", "status": "active"})"));
  without.set_container_name(0, "n");
  CHECK(without.serialize().find(R"("status": "active",
      "container_name": "n"
    })") != std::string::npos);
}

TEST_CASE("an appended assignment has the contract's keys in iris-devtester's order") {
  Registry registry;
  ipa::Assignment assignment;
  assignment.project_path = "/home/dev/p";
  assignment.port = 1974;
  assignment.assigned_at = "2025-01-17T10:30:00";
  assignment.assignment_type = "manual";
  assignment.status = AssignmentStatus::kReleased;
  registry.append(assignment);
  CHECK(registry.serialize() == R"({
  "schema_version": "1.0",
  "assignments": [
    {
      "project_path": "/home/dev/p",
      "port": 1974,
      "assigned_at": "2025-01-17T10:30:00",
      "assignment_type": "manual",
      "status": "released",
      "container_name": null
    }
  ]
})");
}

TEST_CASE("the empty registry is schema 1.0 with no assignments") {
  const Registry registry;
  CHECK(registry.size() == 0);
  CHECK(registry.serialize() == "{\n  \"schema_version\": \"1.0\",\n  \"assignments\": []\n}");
}

TEST_CASE("remove and clear_assignments keep the other keys") {
  Registry registry = parsed(kPythonWritten);
  registry.remove(0);
  REQUIRE(registry.size() == 1);
  CHECK(registry.assignments()[0].project_path == "/home/dev/project-b");
  registry.clear_assignments();
  CHECK(registry.size() == 0);
  CHECK(registry.serialize().find(R"("written_by": "some other tool")") != std::string::npos);
}

TEST_CASE("the agent's metadata lives under one top-level key") {
  Registry registry = parsed(kPythonWritten);
  CHECK_FALSE(registry.agent_json().has_value());
  REQUIRE(registry.set_agent_json(R"({"last_event": 12, "note": "x"})").ok());
  CHECK(registry.agent_json() == R"({"last_event":12,"note":"x"})");
  REQUIRE(registry.set_agent_json(R"({"last_event": 13})").ok());
  CHECK(registry.agent_json() == R"({"last_event":13})");
  const std::string text = registry.serialize();
  CHECK(text.find("\"agent\"") == text.rfind("\"agent\""));
  CHECK(text.find("\"written_by\"") < text.find("\"agent\""));

  const auto rejected = registry.set_agent_json("[1]");
  REQUIRE_FALSE(rejected.ok());
  CHECK(rejected.error().code == ErrorCode::kUsage);
  CHECK(registry.agent_json() == R"({"last_event":13})");
}

TEST_CASE("a copied registry is independent of its original") {
  const Registry original = parsed(kPythonWritten);
  Registry copy = original;
  copy.set_status(0, AssignmentStatus::kReleased);
  CHECK(original.assignments()[0].status == AssignmentStatus::kActive);
  CHECK(copy.assignments()[0].status == AssignmentStatus::kReleased);
  copy = original;
  CHECK(copy.serialize() == original.serialize());
}
