#include <catch2/catch.hpp>

#include "agent/docker/docker_json.hpp"

namespace {

// Captured from Docker 20.10.24 (API 1.41), legacy fields included.
constexpr const char* kDieEvent =
    R"({"status":"die","id":"ac126df0d734a24ef4b18f5d5a3210bacf6cfee233c4320955de9357b484b14a",)"
    R"("from":"iris-sandbox:latest","Type":"container","Action":"die","Actor":{"ID":)"
    R"("ac126df0d734a24ef4b18f5d5a3210bacf6cfee233c4320955de9357b484b14a","Attributes":)"
    R"({"exitCode":"137","image":"iris-sandbox:latest","name":"ipa-shape-probe"}},)"
    R"("scope":"local","time":1795757867,"timeNano":1795757867428908655})";

constexpr const char* kRenameEvent =
    R"({"status":"rename","id":"ac12","from":"iris-sandbox:latest","Type":"container",)"
    R"("Action":"rename","Actor":{"ID":"ac12","Attributes":{"image":"iris-sandbox:latest",)"
    R"("name":"ipa-shape-probe2","oldName":"/ipa-shape-probe"}},"scope":"local",)"
    R"("time":1795757867,"timeNano":1795757867917971329})";

}  // namespace

TEST_CASE("a Docker 20.10 die event parses with its exitCode attribute", "[json]") {
  const auto event = ipa::parse_event_line(kDieEvent);
  REQUIRE(event.ok());
  CHECK(event->type == "container");
  CHECK(event->action == "die");
  CHECK(event->id == "ac126df0d734a24ef4b18f5d5a3210bacf6cfee233c4320955de9357b484b14a");
  CHECK(event->attributes.at("exitCode") == "137");
  CHECK(event->attributes.at("name") == "ipa-shape-probe");
  CHECK(event->time_nano == 1795757867428908655);
}

TEST_CASE("a rename event carries the new name and the old one", "[json]") {
  const auto event = ipa::parse_event_line(kRenameEvent);
  REQUIRE(event.ok());
  CHECK(event->attributes.at("name") == "ipa-shape-probe2");
  CHECK(event->attributes.at("oldName") == "/ipa-shape-probe");
}

TEST_CASE("an event is read from Type, Action and Actor only, not the legacy fields", "[json]") {
  const auto event =
      ipa::parse_event_line(R"({"status":"legacy","id":"old","Type":"container","Action":"start",)"
                            R"("Actor":{"ID":"new"},"timeNano":5})");
  REQUIRE(event.ok());
  CHECK(event->action == "start");
  CHECK(event->id == "new");
  CHECK(event->attributes.empty());
}

TEST_CASE("non-string attributes are ignored", "[json]") {
  const auto event = ipa::parse_event_line(
      R"({"Type":"container","Action":"start","Actor":{"ID":"x","Attributes":)"
      R"({"a":"1","b":2,"c":null,"d":{"e":"f"}}},"timeNano":1})");
  REQUIRE(event.ok());
  CHECK(event->attributes == std::map<std::string, std::string>{{"a", "1"}});
}

TEST_CASE("an event without timeNano takes its time from the seconds", "[json]") {
  const auto event = ipa::parse_event_line(
      R"({"Type":"container","Action":"stop","Actor":{"ID":"x"},"time":1700000000})");
  REQUIRE(event.ok());
  CHECK(event->time_nano == 1700000000LL * 1000000000LL);
}

TEST_CASE("a malformed event is an error that says what is wrong", "[json]") {
  const struct {
    const char* line;
    const char* says;
  } table[] = {
      {"{not json", "not JSON"},
      {"[1,2]", "not a JSON object"},
      {R"({"Action":"start","Actor":{"ID":"x"},"timeNano":1})", "no string Type"},
      {R"({"Type":"container","Actor":{"ID":"x"},"timeNano":1})", "no string Action"},
      {R"({"Type":"container","Action":"start","timeNano":1})", "no Actor"},
      {R"({"Type":"container","Action":"start","Actor":{"ID":7},"timeNano":1})", "Actor.ID"},
      {R"({"Type":"container","Action":"start","Actor":{"ID":"x"}})", "neither timeNano nor time"},
      {R"({"Type":"container","Action":"start","Actor":{"ID":"x"},"timeNano":"1"})",
       "timeNano is not an integer"},
      {R"({"Type":"container","Action":"start","Actor":{"ID":"x"},"time":1e300})",
       "time is not a count of seconds"},
      {R"({"Type":"container","Action":"start","Actor":{"ID":"x"},"time":99999999999999})",
       "time is not a count of seconds"},
  };
  for (const auto& row : table) {
    INFO(row.line);
    const auto event = ipa::parse_event_line(row.line);
    REQUIRE_FALSE(event.ok());
    CHECK(event.error().code == ipa::ErrorCode::kProtocol);
    CHECK_THAT(event.error().message, Catch::Contains(row.says));
  }
}

TEST_CASE("the container list gives id, name without slash, state and IRIS host ports", "[json]") {
  // Shape of Docker 20.10's GET /containers/json?all=1, trimmed.
  const auto list = ipa::parse_container_list(R"([
    {"Id":"aaa","Names":["/iris_71a751fb_1972"],"State":"running","Status":"Up 2 minutes",
     "Ports":[{"IP":"0.0.0.0","PrivatePort":1972,"PublicPort":1973,"Type":"tcp"},
              {"IP":"::","PrivatePort":1972,"PublicPort":1973,"Type":"tcp"},
              {"IP":"0.0.0.0","PrivatePort":52773,"PublicPort":52773,"Type":"tcp"},
              {"IP":"0.0.0.0","PrivatePort":1972,"PublicPort":1990,"Type":"udp"},
              {"PrivatePort":1972,"Type":"tcp"}]},
    {"Id":"bbb","Names":["/stopped"],"State":"exited","Ports":[]},
    {"Id":"ccc","Names":["/fresh"],"State":"created"}
  ])");
  REQUIRE(list.ok());
  REQUIRE(list->size() == 3);
  CHECK(list->at(0).id == "aaa");
  CHECK(list->at(0).name == "iris_71a751fb_1972");
  CHECK(list->at(0).state == ipa::ContainerState::kRunning);
  CHECK(list->at(0).iris_host_ports == std::vector<int>{1973});
  CHECK(list->at(1).state == ipa::ContainerState::kExited);
  CHECK(list->at(1).iris_host_ports.empty());
  CHECK(list->at(2).state == ipa::ContainerState::kCreated);
}

TEST_CASE("a container published on two host ports lists both", "[json]") {
  const auto list = ipa::parse_container_list(
      R"([{"Id":"a","Names":["/a"],"State":"running","Ports":[)"
      R"({"IP":"127.0.0.1","PrivatePort":1972,"PublicPort":1972,"Type":"tcp"},)"
      R"({"IP":"127.0.0.2","PrivatePort":1972,"PublicPort":1975,"Type":"tcp"}]}])");
  REQUIRE(list.ok());
  CHECK(list->at(0).iris_host_ports == std::vector<int>{1972, 1975});
}

TEST_CASE("a container's own name is preferred over legacy link aliases", "[json]") {
  const auto list =
      ipa::parse_container_list(R"([{"Id":"a","Names":["/web/db","/db"],"State":"running"}])");
  REQUIRE(list.ok());
  CHECK(list->at(0).name == "db");
}

TEST_CASE("an unknown container state counts as present (created), not as an error", "[json]") {
  const auto list = ipa::parse_container_list(
      R"([{"Id":"a","Names":["/a"],"State":"stopping"},{"Id":"b","Names":["/b"]}])");
  REQUIRE(list.ok());
  CHECK(list->at(0).state == ipa::ContainerState::kCreated);
  CHECK(list->at(1).state == ipa::ContainerState::kCreated);
}

TEST_CASE("a malformed container list is an error that says what is wrong", "[json]") {
  const struct {
    const char* body;
    const char* says;
  } table[] = {
      {"", "not JSON"},
      {"{\"message\":\"x\"}", "not a JSON array"},
      {"[1]", "non-object entry"},
      {R"([{"Names":["/a"]}])", "without an Id"},
  };
  for (const auto& row : table) {
    INFO(row.body);
    const auto list = ipa::parse_container_list(row.body);
    REQUIRE_FALSE(list.ok());
    CHECK(list.error().code == ipa::ErrorCode::kProtocol);
    CHECK_THAT(list.error().message, Catch::Contains(row.says));
  }
}
