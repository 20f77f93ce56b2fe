#include "agent/docker/engine_selection.hpp"

#include <sys/stat.h>

#include <string_view>

namespace ipa {
namespace {

constexpr const char* kDefaultSocket = "unix:///var/run/docker.sock";
constexpr const char* kDefaultTlsHost = "tcp://localhost:2376";
constexpr const char* kDefaultContext = "default";

std::string env_value(const Environment& env, const std::string& key) {
  const auto it = env.find(key);
  return it == env.end() ? std::string() : it->second;
}

EngineSelection default_context(const Environment& env, const std::string& why) {
  if (const std::string host = env_value(env, "DOCKER_HOST"); !host.empty()) {
    return {host, "", "DOCKER_HOST (" + why + ")"};
  }
  // The CLI's TLS flags default from these two; DOCKER_CERT_PATH alone does
  // not ask for TLS here (cli/flags.ClientOptions).
  if (!env_value(env, "DOCKER_TLS_VERIFY").empty() || !env_value(env, "DOCKER_TLS").empty()) {
    return {kDefaultTlsHost, "", "the docker CLI's default host with TLS (" + why + ")"};
  }
  return {kDefaultSocket, "", "the default socket (" + why + ")"};
}

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return {};
  }
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

bool all_digits(std::string_view text) {
  return !text.empty() && text.size() <= 4 &&
         text.find_first_not_of("0123456789") == std::string_view::npos;
}

// DOCKER_API_VERSION as the docker CLI's client reads it
// (client.WithAPIVersionFromEnv): trimmed, a leading "v" dropped, then
// MAJOR.MINOR; empty means negotiate.
Result<std::string> pinned_api_version(const Environment& env) {
  const std::string given = env_value(env, "DOCKER_API_VERSION");
  std::string_view version = trim(given);
  if (version.starts_with('v')) {
    version.remove_prefix(1);
  }
  if (version.empty()) {
    return std::string();
  }
  const auto dot = version.find('.');
  if (dot == std::string_view::npos || !all_digits(version.substr(0, dot)) ||
      !all_digits(version.substr(dot + 1))) {
    return make_error(ErrorCode::kUsage, "DOCKER_API_VERSION \"" + given +
                                             "\" is not an API version like 1.43; fix it, or "
                                             "unset it to let the engine's version be used");
  }
  return std::string(version);
}

std::string existing_or_empty(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 ? path : std::string();
}

Result<DockerEndpoint> context_endpoint(const std::string& config_dir,
                                        const EngineSelection& selection) {
  auto context = read_context(config_dir, selection.context, selection.origin);
  if (!context) {
    return context.error();
  }
  const std::string host = context->host.empty() ? kDefaultSocket : context->host;
  // The context's TLS comes from the store, never from DOCKER_TLS_VERIFY and
  // friends, as in the CLI.
  auto endpoint = DockerEndpoint::parse(host, Environment{});
  if (!endpoint) {
    return make_error(ErrorCode::kUsage, endpoint.error().message + ", in docker context \"" +
                                             selection.context + "\" (" + config_dir +
                                             "/contexts/meta/" +
                                             context_directory_name(selection.context) +
                                             "/meta.json); fix it with 'docker context update'");
  }
  if (context->tls_dir || context->skip_tls_verify) {
    const std::string dir = context->tls_dir.value_or("");
    const auto file = [&dir](const char* name) {
      return dir.empty() ? std::string() : existing_or_empty(dir + "/" + name);
    };
    endpoint->use_tls(!context->skip_tls_verify, file("ca.pem"), file("cert.pem"), file("key.pem"));
  }
  return endpoint;
}

}  // namespace

EngineSelection select_engine(const EngineRequest& request,
                              const std::optional<std::string>& current_context,
                              const std::string& config_json, const Environment& env) {
  if (!request.host.empty()) {
    return {request.host, "", request.origin};
  }
  if (!request.context.empty()) {
    if (request.context == kDefaultContext) {
      return default_context(env, "the default context, named by " + request.origin);
    }
    return {"", request.context, request.origin};
  }
  if (current_context && !current_context->empty()) {
    const std::string origin = "currentContext in " + config_json;
    if (*current_context == kDefaultContext) {
      return default_context(env, "the default context, named by " + origin);
    }
    return {"", *current_context, origin};
  }
  return default_context(env,
                         "no --docker-host, --context, DOCKER_HOST, DOCKER_CONTEXT or "
                         "currentContext names another");
}

std::string ResolvedEngine::describe() const {
  if (context.empty()) {
    return endpoint.url + " (from " + origin + ")";
  }
  return endpoint.url + " (context \"" + context + "\" from " + origin + ")";
}

bool ResolvedEngine::same_engine(const ResolvedEngine& other) const {
  const DockerEndpoint& a = endpoint;
  const DockerEndpoint& b = other.endpoint;
  return context == other.context && a.url == b.url && a.base_url == b.base_url && a.tls == b.tls &&
         a.tls_verify == b.tls_verify && a.ca_file == b.ca_file && a.cert_file == b.cert_file &&
         a.key_file == b.key_file && a.api_version == b.api_version;
}

Result<ResolvedEngine> resolve_engine(const EngineRequest& request, const Environment& env) {
  auto api_version = pinned_api_version(env);
  if (!api_version) {
    return api_version.error();
  }
  const std::string config_dir = docker_config_dir(env);
  CurrentContext current;
  if (request.host.empty() && request.context.empty()) {
    current = read_current_context(config_dir);
  }
  const EngineSelection selection =
      select_engine(request, current.name, config_dir + "/config.json", env);
  ResolvedEngine engine;
  engine.origin = selection.origin;
  engine.warning = current.warning;
  engine.context = selection.context;
  if (selection.context.empty()) {
    auto endpoint = DockerEndpoint::parse(selection.host, env);
    if (!endpoint) {
      return make_error(ErrorCode::kUsage,
                        endpoint.error().message + ", named by " + selection.origin);
    }
    engine.endpoint = std::move(*endpoint);
  } else {
    auto endpoint = context_endpoint(config_dir, selection);
    if (!endpoint) {
      return endpoint.error();
    }
    engine.endpoint = std::move(*endpoint);
  }
  engine.endpoint.api_version = std::move(*api_version);
  return engine;
}

}  // namespace ipa
