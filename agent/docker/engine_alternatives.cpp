#include "agent/docker/engine_alternatives.hpp"

#include <sys/stat.h>

#include <vector>

namespace ipa {
namespace {

struct KnownSocket {
  const char* engine;
  std::string path;
};

std::string env_value(const Environment& env, const std::string& key) {
  const auto it = env.find(key);
  return it == env.end() ? std::string() : it->second;
}

std::vector<KnownSocket> known_sockets(const Environment& env) {
  const std::string home = env_value(env, "HOME");
  const std::string runtime = env_value(env, "XDG_RUNTIME_DIR");
  std::vector<KnownSocket> sockets = {{"Docker Engine", "/var/run/docker.sock"},
                                      {"Podman", "/run/podman/podman.sock"}};
  if (!home.empty()) {
    sockets.insert(sockets.end(), {{"Docker Desktop", home + "/.docker/run/docker.sock"},
                                   {"Docker Desktop", home + "/.docker/desktop/docker.sock"},
                                   {"Colima", home + "/.colima/default/docker.sock"},
                                   {"Rancher Desktop", home + "/.rd/docker.sock"},
                                   {"OrbStack", home + "/.orbstack/run/docker.sock"}});
  }
  if (!runtime.empty()) {
    sockets.insert(sockets.end(), {{"rootless Docker", runtime + "/docker.sock"},
                                   {"rootless Podman", runtime + "/podman/podman.sock"}});
  }
  return sockets;
}

bool is_socket(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISSOCK(info.st_mode);
}

}  // namespace

std::string engine_alternatives(const ResolvedEngine& engine, const Environment& env) {
  std::vector<std::string> found;
  for (const auto& [name, host] : list_contexts(docker_config_dir(env))) {
    if (name != engine.context) {
      std::string line = "context \"" + name + "\" -> ";
      line += host.empty() ? "(default socket)" : host;
      line += " (--context " + name + ")";
      found.push_back(std::move(line));
    }
  }
  for (const KnownSocket& socket : known_sockets(env)) {
    const std::string url = "unix://" + socket.path;
    if (url != engine.endpoint.url && is_socket(socket.path)) {
      std::string line = socket.engine;
      line += " socket " + url;
      line += " (--docker-host " + url + ")";
      found.push_back(std::move(line));
    }
  }
  const std::string chosen_by = engine.context.empty()
                                    ? engine.origin
                                    : "context \"" + engine.context + "\" from " + engine.origin;
  std::string text = "; chosen by " + chosen_by + "; on this machine: ";
  if (found.empty()) {
    text +=
        "no other docker context and no well-known engine socket (Docker Desktop, rootless "
        "Docker, Podman, Colima, Rancher Desktop, OrbStack)";
  }
  for (std::size_t i = 0; i < found.size(); ++i) {
    text += (i == 0 ? "" : ", ") + found[i];
  }
  return text +
         "; the agent does not switch engines by itself, only when the docker context changes";
}

}  // namespace ipa
