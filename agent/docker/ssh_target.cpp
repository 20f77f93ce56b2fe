#include "agent/docker/ssh_target.hpp"

#include <charconv>
#include <optional>
#include <string_view>

namespace ipa {
namespace {

constexpr std::string_view kScheme = "ssh://";

// The URL as it may appear in a message: a password, if any, masked as Go's
// url.Redacted() does.
std::string redacted(const std::string& url) {
  const std::string_view rest = std::string_view(url).substr(kScheme.size());
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos) {
    return url;
  }
  const auto colon = authority.substr(0, at).find(':');
  if (colon == std::string_view::npos) {
    return url;
  }
  const std::size_t from = kScheme.size() + colon + 1;
  return url.substr(0, from) + "xxxxx" + url.substr(kScheme.size() + at);
}

Error invalid(const std::string& url, const std::string& what) {
  return make_error(ErrorCode::kUsage, "invalid Docker host \"" + redacted(url) +
                                           "\": invalid SSH URL: " + what +
                                           " (expected ssh://[user@]host[:port][/path/to/"
                                           "docker.sock])");
}

bool has_control_byte(std::string_view s) {
  for (const char c : s) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return true;
    }
  }
  return false;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// Go's url.PathUnescape: %XX sequences become bytes; a broken one is an error.
std::optional<std::string> percent_decoded(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    const int high = i + 2 < s.size() ? hex_digit(s[i + 1]) : -1;
    const int low = i + 2 < s.size() ? hex_digit(s[i + 2]) : -1;
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

// Characters that need no quoting in a POSIX shell word. The docker CLI
// quotes a user or host outside this set and hands ssh the quotes verbatim
// (ssh runs without a shell), so such a value cannot work there either.
bool shell_safe(std::string_view s) {
  for (const char c : s) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("-_.,:/@%+").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return !s.empty();
}

std::string shell_quoted(const std::string& word) {
  if (shell_safe(word)) {
    return word;
  }
  std::string out = "'";
  for (const char c : word) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

bool valid_host(std::string_view host) {
  if (host.front() == '-') {
    return false;
  }
  for (const char c : host) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && c != '.' && c != '-' && c != '_' && c != ':') {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<SshTarget> SshTarget::parse(const std::string& url) {
  if (!url.starts_with(kScheme)) {
    return invalid(url, "incorrect scheme");
  }
  if (has_control_byte(url)) {
    return invalid(url, "invalid control character in URL");
  }
  std::string_view rest = std::string_view(url).substr(kScheme.size());
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) {
    if (hash + 1 < rest.size()) {
      return invalid(url,
                     "fragments are not allowed: \"" + std::string(rest.substr(hash + 1)) + "\"");
    }
    rest = rest.substr(0, hash);
  }
  if (const auto question = rest.find('?'); question != std::string_view::npos) {
    if (question + 1 < rest.size()) {
      return invalid(url, "query parameters are not allowed: \"" +
                              std::string(rest.substr(question + 1)) + "\"");
    }
    rest = rest.substr(0, question);
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  const std::string_view raw_path = slash == std::string_view::npos ? "" : rest.substr(slash);

  SshTarget target;
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    if (userinfo.find(':') != std::string_view::npos) {
      return invalid(url, "plain-text password is not supported");
    }
    auto user = percent_decoded(userinfo);
    if (!user) {
      return invalid(url, "invalid URL escape in the user");
    }
    if (!user->empty() && (!shell_safe(*user) || user->front() == '-')) {
      return invalid(url, "bad user \"" + *user + "\"");
    }
    target.user = std::move(*user);
  }

  std::string_view host = authority;
  std::string_view port;
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos) {
      return invalid(url, "missing ']' in host");
    }
    const std::string_view after = host.substr(close + 1);
    if (!after.empty() && after.front() != ':') {
      return invalid(url, "unexpected text after the IPv6 address");
    }
    port = after.empty() ? after : after.substr(1);
    host = host.substr(1, close - 1);
  } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (host.empty()) {
    return invalid(url, "hostname is empty");
  }
  if (!valid_host(host) || (authority.front() != '[' && host.find(':') != std::string_view::npos)) {
    return invalid(url, "bad host \"" + std::string(host) + "\"");
  }
  if (!port.empty()) {
    int number = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (ec != std::errc() || end != port.data() + port.size() || number < 1 || number > 65535) {
      return invalid(url, "invalid port \":" + std::string(port) + "\" after host");
    }
  }
  target.host = host;
  target.port = port;

  auto path = percent_decoded(raw_path);
  if (!path) {
    return invalid(url, "invalid URL escape in the path");
  }
  if (has_control_byte(*path)) {
    return invalid(url, "the socket path cannot hold control characters");
  }
  // As the CLI: a path of slashes only means no path.
  if (path->find_first_not_of('/') != std::string::npos) {
    target.path = std::move(*path);
  }
  return target;
}

// The remote docker's --host option, quoted, with a leading space; empty for
// its default engine.
std::string SshTarget::host_option() const {
  if (path.empty()) {
    return {};
  }
  std::string option(1, ' ');
  option += shell_quoted("--host=unix://" + path);
  return option;
}

std::vector<std::string> SshTarget::command() const {
  std::vector<std::string> argv{"ssh"};
  if (!user.empty()) {
    argv.insert(argv.end(), {"-l", user});
  }
  if (!port.empty()) {
    argv.insert(argv.end(), {"-p", port});
  }
  // The docker CLI passes ConnectTimeout=30 and -T. The agent runs without a
  // terminal, so ssh must never prompt (BatchMode); ssh's own connect timeout
  // is kept below the agent's 15 s ping timeout so that its explanation, not
  // curl's, reaches the error line; and a silent peer is noticed like TCP
  // keepalive notices it for tcp:// (ServerAliveInterval).
  argv.insert(argv.end(), {"-o", "ConnectTimeout=10", "-o", "BatchMode=yes", "-o",
                           "ServerAliveInterval=30", "-T", "--", host});
  argv.push_back("docker" + host_option() + " system dial-stdio");
  return argv;
}

std::string SshTarget::manual_check() const {
  std::string check = "ssh -o BatchMode=yes ";
  if (!port.empty()) {
    check += "-p " + port + " ";
  }
  if (!user.empty()) {
    check += user + "@";
  }
  check += host + " docker" + host_option() + " version";
  return check;
}

}  // namespace ipa
