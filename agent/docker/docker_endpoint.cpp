#include "agent/docker/docker_endpoint.hpp"

#include <sys/stat.h>

#include <charconv>
#include <string_view>

namespace ipa {
namespace {

constexpr std::string_view kUnix = "unix://";
constexpr std::string_view kTcp = "tcp://";

Error usage(const std::string& url, std::string_view what) {
  std::string message = "invalid Docker host \"" + url + "\": ";
  message += what;
  message += " (expected unix:///path/to/docker.sock, tcp://host:port or ssh://[user@]host)";
  return make_error(ErrorCode::kUsage, std::move(message));
}

std::string env_value(const std::map<std::string, std::string>& env, const std::string& key) {
  const auto it = env.find(key);
  return it == env.end() ? std::string() : it->second;
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// Only what a host name or an IP literal can hold, so that the host cannot
// smuggle a query, credentials or a second URL into the requests.
bool valid_host(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    return host.find_first_not_of("0123456789abcdefABCDEF:.") == std::string_view::npos;
  }
  for (const char c : host) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && c != '.' && c != '-' && c != '_') {
      return false;
    }
  }
  return true;
}

std::string existing_or_empty(const std::string& path) {
  return file_exists(path) ? path : std::string();
}

Result<DockerEndpoint> parse_unix(const std::string& url) {
  DockerEndpoint ep;
  ep.url = url;
  ep.socket_path = url.substr(kUnix.size());
  if (ep.socket_path.empty()) {
    return usage(url, "no socket path");
  }
  if (ep.socket_path.front() != '/') {
    return usage(url, "the socket path must be absolute");
  }
  ep.base_url = "http://localhost";
  return ep;
}

void apply_tls(DockerEndpoint& ep, const std::map<std::string, std::string>& env) {
  std::string cert_path = env_value(env, "DOCKER_CERT_PATH");
  const bool tls = !env_value(env, "DOCKER_TLS_VERIFY").empty() ||
                   !env_value(env, "DOCKER_TLS").empty() || !cert_path.empty();
  if (!tls) {
    return;
  }
  if (cert_path.empty()) {
    cert_path = env_value(env, "DOCKER_CONFIG");
  }
  if (cert_path.empty()) {
    cert_path = env_value(env, "HOME") + "/.docker";
  }
  ep.use_tls(/*verify=*/true, existing_or_empty(cert_path + "/ca.pem"),
             existing_or_empty(cert_path + "/cert.pem"), existing_or_empty(cert_path + "/key.pem"));
}

Result<DockerEndpoint> parse_tcp(const std::string& url,
                                 const std::map<std::string, std::string>& env) {
  DockerEndpoint ep;
  ep.url = url;

  std::string_view rest = std::string_view(url).substr(kTcp.size());
  std::string_view path;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    path = rest.substr(slash);
    rest = rest.substr(0, slash);
  }
  while (!path.empty() && path.back() == '/') {
    path.remove_suffix(1);
  }

  std::string_view host;
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {  // [ipv6]:port
    const auto close = rest.find(']');
    if (close == std::string_view::npos) {
      return usage(url, "unterminated IPv6 address");
    }
    host = rest.substr(0, close + 1);
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return usage(url, "unexpected text after the IPv6 address");
      }
      port = after.substr(1);
      if (port.empty()) {
        return usage(url, "empty port");
      }
    }
  } else if (const auto colon = rest.find(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (port.empty()) {
      return usage(url, "empty port");
    }
  } else {
    host = rest;
  }
  if (host.empty() || host == "[]") {
    return usage(url, "no host");
  }
  if (!valid_host(host)) {
    return usage(url, "bad host \"" + std::string(host) + "\"");
  }

  int port_number = 2375;
  if (!port.empty()) {
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), port_number);
    if (ec != std::errc() || end != port.data() + port.size() || port_number < 1 ||
        port_number > 65535) {
      return usage(url, "bad port \"" + std::string(port) + "\"");
    }
  }

  ep.base_url = "http://";
  ep.base_url += host;
  ep.base_url += ':';
  ep.base_url += std::to_string(port_number);
  ep.base_url += path;
  apply_tls(ep, env);
  return ep;
}

}  // namespace

void DockerEndpoint::use_tls(bool verify, std::string ca, std::string cert, std::string key) {
  constexpr std::string_view kHttp = "http://";
  if (!url.starts_with(kTcp) || !base_url.starts_with(kHttp)) {
    return;
  }
  tls = true;
  tls_verify = verify;
  ca_file = std::move(ca);
  cert_file = std::move(cert);
  key_file = std::move(key);
  base_url = "https://" + base_url.substr(kHttp.size());
}

Result<DockerEndpoint> DockerEndpoint::parse(const std::string& url,
                                             const std::map<std::string, std::string>& env) {
  if (url.starts_with(kUnix)) {
    return parse_unix(url);
  }
  if (url.starts_with(kTcp)) {
    return parse_tcp(url, env);
  }
  if (url.starts_with("ssh://")) {
    auto target = SshTarget::parse(url);
    if (!target) {
      return target.error();
    }
    DockerEndpoint ep;
    ep.url = url;
    ep.base_url = "http://localhost";
    ep.ssh = std::move(*target);
    return ep;
  }
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    return usage(url, "no scheme");
  }
  return usage(url, "unsupported scheme \"" + url.substr(0, scheme_end) + "\"");
}

}  // namespace ipa
