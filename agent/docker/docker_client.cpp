#include "agent/docker/docker_client.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include <curl/curl.h>

#include "agent/docker/curl_uv_multi.hpp"
#include "agent/docker/docker_json.hpp"
#include "agent/docker/line_splitter.hpp"
#include "agent/docker/ssh_dialer.hpp"
#include "base/log.hpp"

namespace ipa {
namespace {

// A hostile or broken peer must not exhaust memory with a body.
constexpr std::size_t kMaxBody = std::size_t{64} << 20;
constexpr std::size_t kMaxErrorBody = 4096;
constexpr std::size_t kErrorExcerpt = 200;
constexpr long kConnectTimeoutMs = 5000;
// The engine creates its socket before it serves; a ping sent meanwhile is
// answered as soon as it does, so allow for a slow start.
constexpr long kPingTimeoutMs = 15000;
constexpr long kListTimeoutMs = 60000;
constexpr int kMaxLoggedBadLines = 5;
constexpr const char* kEventsPath = "/events?filters=%7B%22type%22%3A%5B%22container%22%5D%7D";

enum class Kind { kPing, kList, kStream };

void init_curl_once() {
  static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!initialised) {
    log_error("libcurl failed to initialise");
  }
}

bool is_2xx(long status) {
  return status >= 200 && status < 300;
}

bool valid_api_version(std::string_view v) {
  const auto dot = v.find('.');
  return v.size() <= 10 && dot != std::string_view::npos && dot > 0 && dot + 1 < v.size() &&
         v.find_first_not_of("0123456789.") == std::string_view::npos &&
         v.find('.', dot + 1) == std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return {};
  }
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

std::string excerpt(std::string_view body) {
  std::string out(trim(body.substr(0, kErrorExcerpt)));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) {
      c = ' ';
    }
  }
  return out.empty() ? "(empty body)" : out;
}

// Docker reads the fraction as nanoseconds only when it has 9 digits.
std::string since_param(std::int64_t nanos) {
  constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
  nanos = std::max<std::int64_t>(nanos, 0);
  std::string fraction = std::to_string(nanos % kNanosPerSecond);
  fraction.insert(0, 9 - fraction.size(), '0');
  return "&since=" + std::to_string(nanos / kNanosPerSecond) + "." + fraction;
}

struct Transfer {
  Transfer() = default;
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;
  ~Transfer() { curl_easy_cleanup(easy); }

  std::uint64_t id = 0;
  Kind kind = Kind::kPing;
  CURL* easy = nullptr;
  std::string what;  // "GET /path", for messages
  bool in_multi = false;
  bool cancelled = false;
  char errbuf[CURL_ERROR_SIZE] = {};

  std::string body;
  bool too_big = false;
  std::string api_version;
  std::string server;
  std::string libpod_api_version;

  LineSplitter lines;
  std::vector<Event> pending;
  bool open_pending = false;
  int bad_lines = 0;

  std::function<void(Result<std::string>)> ping_done;
  std::function<void(Result<std::vector<Container>>)> list_done;
  std::function<void()> on_open;
  std::function<void(const Event&)> on_event;
  std::function<void(const Error&)> on_end;

  // ssh:// only: the connection's ssh process, and what it said once ended.
  std::unique_ptr<SshTunnel> tunnel;
  std::string tunnel_error;
  SshAccount ssh;
};

long response_code(CURL* easy) {
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

void note_bad_line(Transfer& t, const std::string& why) {
  ++t.bad_lines;
  if (t.bad_lines <= kMaxLoggedBadLines) {
    log_warn("Docker event skipped: " + why);
  }
  if (t.bad_lines == kMaxLoggedBadLines) {
    log_warn("further bad Docker event lines on this stream are skipped silently");
  }
}

void take_line(Transfer& t, std::string_view line) {
  line = trim(line);
  if (line.empty()) {
    return;
  }
  auto event = parse_event_line(line);
  if (event) {
    t.pending.push_back(std::move(event).value());
  } else {
    note_bad_line(t, event.error().message);
  }
}

std::size_t on_write(char* data, std::size_t size, std::size_t count, void* userp) {
  auto& t = *static_cast<Transfer*>(userp);
  const std::size_t bytes = size * count;
  const std::string_view chunk(data, bytes);
  if (!is_2xx(response_code(t.easy))) {
    t.body.append(chunk.substr(0, kMaxErrorBody - std::min(kMaxErrorBody, t.body.size())));
    return bytes;
  }
  if (t.kind == Kind::kStream) {
    t.lines.feed(
        chunk, [&t](std::string_view line) { take_line(t, line); },
        [&t](std::size_t dropped) {
          note_bad_line(t, "a line longer than 1 MiB (" + std::to_string(dropped) +
                               " bytes so far) is dropped");
        });
    return bytes;
  }
  if (t.body.size() + bytes > kMaxBody) {
    t.too_big = true;
    return 0;  // makes curl fail the transfer with CURLE_WRITE_ERROR
  }
  t.body.append(chunk);
  return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* userp) {
  auto& t = *static_cast<Transfer*>(userp);
  const std::size_t bytes = size * count;
  const std::string_view line(data, bytes);
  if (line.starts_with("HTTP/")) {  // a new response (after 1xx, say) starts over
    t.api_version.clear();
    t.server.clear();
    t.libpod_api_version.clear();
    return bytes;
  }
  if (trim(line).empty()) {
    if (t.kind == Kind::kStream && is_2xx(response_code(t.easy))) {
      t.open_pending = true;
    }
    return bytes;
  }
  const auto colon = line.find(':');
  if (colon != std::string_view::npos && iequals(line.substr(0, colon), "Api-Version")) {
    t.api_version = trim(line.substr(colon + 1));
  }
  if (colon != std::string_view::npos && iequals(line.substr(0, colon), "Server")) {
    t.server = trim(line.substr(colon + 1));
  }
  if (colon != std::string_view::npos && iequals(line.substr(0, colon), "Libpod-Api-Version")) {
    t.libpod_api_version = trim(line.substr(colon + 1));
  }
  return bytes;
}

}  // namespace

struct DockerClient::Impl {
  Impl(uv_loop_t* loop, DockerEndpoint ep)
      : endpoint(std::move(ep)),
        ssh_dialer(endpoint.ssh ? std::make_unique<SshDialer>(loop, *endpoint.ssh) : nullptr),
        multi(
            loop, [this] { deliver_stream_progress(); },
            [this](CURL* easy, CURLcode code) { finish(easy, code); }) {}

  ~Impl() { cancel_all(); }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  DockerEndpoint endpoint;
  std::unique_ptr<SshDialer> ssh_dialer;  // ssh:// only
  CurlUvMulti multi;
  std::string api_prefix;  // "/v1.41" once a ping told the version
  EngineInfo engine;       // from the last ping
  std::uint64_t next_id = 1;
  std::map<std::uint64_t, std::shared_ptr<Transfer>> transfers;

  std::shared_ptr<Transfer> make_transfer(Kind kind, const std::string& path, long timeout_ms) {
    auto t = std::make_shared<Transfer>();
    t->id = next_id++;
    t->kind = kind;
    t->what = "GET " + path;
    t->easy = curl_easy_init();
    CURL* e = t->easy;
    const std::string url = endpoint.base_url + path;
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    // Only the configured endpoint: no proxy from the environment.
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
    if (!endpoint.socket_path.empty()) {
      curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, endpoint.socket_path.c_str());
    } else if (ssh_dialer) {
      auto tunnel = ssh_dialer->dial();
      if (tunnel) {
        curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, (*tunnel)->socket_path().c_str());
        t->tunnel = std::move(*tunnel);
      } else {
        t->tunnel_error = tunnel.error().message;
      }
    } else {
      // Lets the kernel notice a peer that vanished without a word; costs
      // this process no wake-ups.
      curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
      curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, 30L);
      curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, 10L);
    }
    if (endpoint.tls) {
      if (!endpoint.ca_file.empty()) {
        curl_easy_setopt(e, CURLOPT_CAINFO, endpoint.ca_file.c_str());
      }
      if (!endpoint.cert_file.empty()) {
        curl_easy_setopt(e, CURLOPT_SSLCERT, endpoint.cert_file.c_str());
      }
      if (!endpoint.key_file.empty()) {
        curl_easy_setopt(e, CURLOPT_SSLKEY, endpoint.key_file.c_str());
      }
      const long verify = endpoint.tls_verify ? 1L : 0L;
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, verify);
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, endpoint.tls_verify ? 2L : 0L);
    }
    curl_easy_setopt(e, CURLOPT_USERAGENT, "iris-port-agent");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    // Requests are rare; a fresh connection each time leaves no idle socket
    // behind to watch.
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, kConnectTimeoutMs);
    if (timeout_ms > 0) {
      curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    }
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
    return t;
  }

  // Starts `t`, or fails it at once through `fail`.
  template <class Fail>
  void start(const std::shared_ptr<Transfer>& t, Fail fail) {
    if (t->easy == nullptr) {
      fail(make_error(ErrorCode::kDockerUnreachable, prefix(*t) + "out of memory"));
      return;
    }
    if (!t->tunnel_error.empty()) {
      fail(make_error(ErrorCode::kDockerUnreachable, prefix(*t) + t->tunnel_error));
      return;
    }
    auto added = multi.add(t->easy);
    if (!added) {
      fail(make_error(added.error().code, prefix(*t) + added.error().message));
      return;
    }
    t->in_multi = true;
    transfers.emplace(t->id, t);
  }

  std::string prefix(const Transfer& t) const {
    return "Docker engine at " + endpoint.url + ": " + t.what + ": ";
  }

  Error transport_error(const Transfer& t, CURLcode code) const {
    if (t.too_big) {
      return make_error(ErrorCode::kProtocol,
                        prefix(t) + "the response is larger than 64 MiB; refusing it");
    }
    if (code == CURLE_COULDNT_CONNECT && !endpoint.socket_path.empty()) {
      return socket_error(t);
    }
    const std::string detail = t.errbuf[0] != '\0' ? t.errbuf : curl_easy_strerror(code);
    return make_error(ErrorCode::kDockerUnreachable, prefix(t) + with_ssh_story(t, detail));
  }

  static std::string with_ssh_story(const Transfer& t, const std::string& detail) {
    if (t.ssh.story.empty()) {
      return detail;
    }
    return t.ssh.replaces_transport_error ? t.ssh.story : detail + "; " + t.ssh.story;
  }

  // curl words a unix socket it cannot reach as "localhost port 80"; say
  // which socket, why, and what the user can do about it.
  Error socket_error(const Transfer& t) const {
    long os_errno = 0;
    curl_easy_getinfo(t.easy, CURLINFO_OS_ERRNO, &os_errno);
    const int error = static_cast<int>(os_errno);
    std::string hint;
    if (error == ENOENT || error == ECONNREFUSED) {
      hint = "; is the Docker engine running? (--docker-host or DOCKER_HOST name another one)";
    } else if (error == EACCES) {
      hint =
          "; this user may not use it: join the docker group, or name a socket it may use "
          "with --docker-host";
    }
    return make_error(ErrorCode::kDockerUnreachable,
                      prefix(t) + "cannot connect to the socket " + endpoint.socket_path + ": " +
                          (error != 0 ? std::strerror(error) : t.errbuf) + hint);
  }

  Error status_error(const Transfer& t, long status) const {
    return make_error(ErrorCode::kProtocol,
                      prefix(t) + "HTTP " + std::to_string(status) + ": " + excerpt(t.body));
  }

  // Delivers what the write callbacks queued: the stream opening and its
  // events, in order, stopping if a callback cancels the transfer.
  void deliver_stream_progress() {
    std::vector<std::shared_ptr<Transfer>> streams;
    for (const auto& [id, t] : transfers) {
      if (t->kind == Kind::kStream && (t->open_pending || !t->pending.empty())) {
        streams.push_back(t);
      }
    }
    for (const auto& t : streams) {
      deliver_events(*t);
    }
  }

  static void deliver_events(Transfer& t) {
    if (t.open_pending && !t.cancelled) {
      t.open_pending = false;
      t.on_open();
    }
    std::vector<Event> batch = std::move(t.pending);
    t.pending.clear();
    for (const Event& event : batch) {
      if (t.cancelled) {
        return;
      }
      t.on_event(event);
    }
  }

  void finish(CURL* easy, CURLcode code) {
    Transfer* raw = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &raw);
    const auto it = raw == nullptr ? transfers.end() : transfers.find(raw->id);
    if (it == transfers.end()) {
      return;
    }
    const std::shared_ptr<Transfer> t = it->second;
    multi.remove(t->easy);
    t->in_multi = false;
    const long status = response_code(t->easy);
    // A failure over ssh is told once ssh has ended and said why.
    if (t->tunnel && (code != CURLE_OK || t->kind == Kind::kStream)) {
      t->tunnel->finish([this, id = t->id, code, status](const SshAccount& account) {
        const auto found = transfers.find(id);
        if (found != transfers.end()) {
          const std::shared_ptr<Transfer> waited = found->second;
          waited->ssh = account;
          complete(waited, code, status);
        }
      });
      return;
    }
    complete(t, code, status);
  }

  // `t` must not be the map's own reference: completing erases that.
  void complete(const std::shared_ptr<Transfer>& t, CURLcode code, long status) {
    switch (t->kind) {
      case Kind::kPing:
        transfers.erase(t->id);
        t->ping_done(ping_result(*t, code, status));
        break;
      case Kind::kList:
        transfers.erase(t->id);
        t->list_done(list_result(*t, code, status));
        break;
      case Kind::kStream:
        // Still listed while its last events go out, so that cancel_all()
        // from one of them also suppresses on_end.
        t->open_pending = false;
        deliver_events(*t);
        if (t->cancelled) {
          return;
        }
        transfers.erase(t->id);
        t->on_end(stream_end(*t, code, status));
        break;
    }
  }

  Result<std::string> ping_result(const Transfer& t, CURLcode code, long status) {
    if (code != CURLE_OK) {
      return transport_error(t, code);
    }
    if (!is_2xx(status)) {
      return status_error(t, status);
    }
    engine = engine_from_ping(t.server, t.libpod_api_version,
                              valid_api_version(t.api_version) ? t.api_version : "");
    if (!endpoint.api_version.empty()) {  // DOCKER_API_VERSION: no negotiation, as the CLI
      api_prefix = "/v" + endpoint.api_version;
      return endpoint.api_version;
    }
    if (valid_api_version(t.api_version)) {
      api_prefix = "/v" + t.api_version;
      return t.api_version;
    }
    if (!t.api_version.empty()) {
      log_warn("Docker engine at " + endpoint.url + " sent an unusable Api-Version \"" +
               excerpt(t.api_version) + "\"; using unversioned paths");
    }
    api_prefix.clear();
    return std::string();
  }

  Result<std::vector<Container>> list_result(const Transfer& t, CURLcode code, long status) const {
    if (code != CURLE_OK) {
      return transport_error(t, code);
    }
    if (!is_2xx(status)) {
      return status_error(t, status);
    }
    auto list = parse_container_list(t.body);
    if (!list) {
      return make_error(list.error().code, prefix(t) + list.error().message);
    }
    return list;
  }

  Error stream_end(const Transfer& t, CURLcode code, long status) const {
    if (code != CURLE_OK) {
      return transport_error(t, code);
    }
    if (!is_2xx(status)) {
      return status_error(t, status);
    }
    return make_error(ErrorCode::kDockerUnreachable,
                      prefix(t) + with_ssh_story(t, "the event stream ended"));
  }

  void cancel_all() {
    auto doomed = std::move(transfers);
    transfers.clear();
    for (const auto& [id, t] : doomed) {
      t->cancelled = true;
      if (t->in_multi) {
        multi.remove(t->easy);
        t->in_multi = false;
      }
    }
  }
};

DockerClient::DockerClient(uv_loop_t* loop, DockerEndpoint endpoint) {
  init_curl_once();
  impl_ = std::make_unique<Impl>(loop, std::move(endpoint));
}

DockerClient::~DockerClient() = default;

void DockerClient::ping(std::function<void(Result<std::string>)> done) {
  auto t = impl_->make_transfer(Kind::kPing, "/_ping", kPingTimeoutMs);
  t->ping_done = std::move(done);
  impl_->start(t, [&t](const Error& e) { t->ping_done(e); });
}

void DockerClient::list_containers(std::function<void(Result<std::vector<Container>>)> done) {
  auto t = impl_->make_transfer(Kind::kList, impl_->api_prefix + "/containers/json?all=1",
                                kListTimeoutMs);
  t->list_done = std::move(done);
  impl_->start(t, [&t](const Error& e) { t->list_done(e); });
}

void DockerClient::list_container(const std::string& id,
                                  std::function<void(Result<std::vector<Container>>)> done) {
  const bool hex = !id.empty() && id.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (!hex) {
    done(make_error(ErrorCode::kUsage, "not a container id: " + id));
    return;
  }
  // filters={"id":["<id>"]}, URL-encoded
  auto t = impl_->make_transfer(
      Kind::kList,
      impl_->api_prefix + "/containers/json?all=1&filters=%7B%22id%22%3A%5B%22" + id + "%22%5D%7D",
      kListTimeoutMs);
  t->list_done = std::move(done);
  impl_->start(t, [&t](const Error& e) { t->list_done(e); });
}

void DockerClient::stream_events(std::optional<std::int64_t> since_nano,
                                 std::function<void()> on_open,
                                 std::function<void(const Event&)> on_event,
                                 std::function<void(const Error&)> on_end) {
  std::string path = impl_->api_prefix + kEventsPath;
  if (since_nano) {
    path += since_param(*since_nano);
  }
  auto t = impl_->make_transfer(Kind::kStream, path, 0);
  t->on_open = std::move(on_open);
  t->on_event = std::move(on_event);
  t->on_end = std::move(on_end);
  impl_->start(t, [&t](const Error& e) { t->on_end(e); });
}

void DockerClient::cancel_all() {
  impl_->cancel_all();
}

const DockerEndpoint& DockerClient::endpoint() const {
  return impl_->endpoint;
}

const EngineInfo& DockerClient::engine() const {
  return impl_->engine;
}

}  // namespace ipa
