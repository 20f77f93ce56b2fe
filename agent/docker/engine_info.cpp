#include "agent/docker/engine_info.hpp"

namespace ipa {
namespace {

// Header values come from the peer: keep them short and printable.
std::string printable(std::string_view text) {
  constexpr std::size_t kMax = 40;
  std::string out;
  for (const char c : text.substr(0, kMax)) {
    out += (c > ' ' && c < 0x7f) ? c : '?';
  }
  return out;
}

// "Libpod/4.3.1 (linux)" -> {"Libpod", "4.3.1"}
std::pair<std::string_view, std::string_view> product(std::string_view server) {
  const auto end = server.find(' ');
  const std::string_view token = server.substr(0, end);
  const auto slash = token.find('/');
  if (slash == std::string_view::npos) {
    return {token, {}};
  }
  return {token.substr(0, slash), token.substr(slash + 1)};
}

}  // namespace

EngineInfo engine_from_ping(std::string_view server, std::string_view libpod_api_version,
                            std::string_view api_version) {
  EngineInfo engine;
  engine.api_version = printable(api_version);
  const auto [name, version] = product(server);
  if (name == "Libpod" || !libpod_api_version.empty()) {
    engine.kind = "Podman";
    engine.version = printable(name == "Libpod" && !version.empty() ? version : libpod_api_version);
  } else if (name == "Docker") {
    engine.kind = "Docker";
    engine.version = printable(version);
  }
  return engine;
}

std::string describe(const EngineInfo& engine) {
  std::string text = engine.kind.empty() ? "an engine that did not say which" : engine.kind;
  if (!engine.version.empty()) {
    text += " " + engine.version;
  }
  if (!engine.api_version.empty()) {
    text += " (API " + engine.api_version + ")";
  }
  return text;
}

}  // namespace ipa
