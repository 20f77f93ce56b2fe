#include <catch2/catch.hpp>

#include "agent/docker/engine_info.hpp"

TEST_CASE("the engine is named from its /_ping headers", "[engine-info]") {
  struct Row {
    const char* server;
    const char* libpod_api_version;
    const char* api_version;
    const char* expected;
  };
  const Row row = GENERATE(values<Row>({
      // Debian's podman 4.3.1 (`podman system service`)
      {"Libpod/4.3.1 (linux)", "4.3.1", "1.41", "Podman 4.3.1 (API 1.41)"},
      // Debian's docker.io 20.10
      {"Docker/20.10.24+dfsg1 (linux)", "", "1.41", "Docker 20.10.24+dfsg1 (API 1.41)"},
      {"Docker/28.2.2 (linux)", "", "1.50", "Docker 28.2.2 (API 1.50)"},
      // a proxy that rewrote Server, in front of Podman
      {"nginx", "5.2.0", "1.41", "Podman 5.2.0 (API 1.41)"},
      {"", "", "1.41", "an engine that did not say which (API 1.41)"},
      {"", "", "", "an engine that did not say which"},
      {"Docker/\x01\x7f (linux)", "", "", "Docker ??"},
  }));
  CAPTURE(row.server);
  CHECK(ipa::describe(ipa::engine_from_ping(row.server, row.libpod_api_version, row.api_version)) ==
        row.expected);
}
