// Follows the engine's container events on its unix socket and says when each
// one reached a subscriber, with a CLOCK_REALTIME timestamp (the clock of the
// engine's `timeNano`): the bench's source of destroy times, and the delivery
// delay that every watcher, the agent's or the peer's, pays before it can act.
//
//   engine_events SOCKET_PATH
//
// Prints "ready" once the engine answered, then one line per event:
//   <action> <received ns> <timeNano> <container name>
// The request is HTTP/1.0, so the engine streams the body unframed until it
// closes; the timestamp is taken as soon as read(2) returns, before parsing.

#include <rapidjson/document.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

long long realtime_ns() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec;
}

int connect_unix(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    return -1;
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

void print_event(const std::string& line, long long received) {
  rapidjson::Document event;
  event.Parse(line.c_str());
  if (event.HasParseError() || !event.IsObject() || !event.HasMember("Action") ||
      !event["Action"].IsString() || !event.HasMember("timeNano") || !event["timeNano"].IsInt64() ||
      !event.HasMember("Actor")) {
    return;
  }
  const auto& actor = event["Actor"];
  if (!actor.IsObject() || !actor.HasMember("Attributes") || !actor["Attributes"].IsObject()) {
    return;
  }
  const auto& attributes = actor["Attributes"];
  const char* name = attributes.HasMember("name") && attributes["name"].IsString()
                         ? attributes["name"].GetString()
                         : "-";
  std::printf("%s %lld %lld %s\n", event["Action"].GetString(), received,
              static_cast<long long>(event["timeNano"].GetInt64()), name);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: engine_events SOCKET_PATH\n");
    return 2;
  }
  const int fd = connect_unix(argv[1]);
  if (fd < 0) {
    std::fprintf(stderr, "engine_events: cannot connect to %s: %s\n", argv[1],
                 std::strerror(errno));
    return 1;
  }
  const std::string request =
      "GET /events?filters=%7B%22type%22%3A%5B%22container%22%5D%7D HTTP/1.0\r\n"
      "Host: docker\r\n\r\n";
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    std::perror("engine_events: write");
    return 1;
  }
  std::string pending;
  bool in_body = false;
  std::array<char, 65536> buffer{};
  while (true) {
    const ssize_t length = read(fd, buffer.data(), buffer.size());
    const long long received = realtime_ns();
    if (length < 0 && errno == EINTR) {
      continue;
    }
    if (length <= 0) {
      return length == 0 ? 0 : 1;
    }
    pending.append(buffer.data(), static_cast<std::size_t>(length));
    if (!in_body) {
      const auto end = pending.find("\r\n\r\n");
      if (end == std::string::npos) {
        continue;
      }
      if (pending.compare(0, 12, "HTTP/1.0 200") != 0 &&
          pending.compare(0, 12, "HTTP/1.1 200") != 0) {
        std::fprintf(stderr, "engine_events: %s\n", pending.substr(0, pending.find('\r')).c_str());
        return 1;
      }
      pending.erase(0, end + 4);
      in_body = true;
      std::printf("ready\n");
    }
    std::size_t start = 0;
    for (auto newline = pending.find('\n'); newline != std::string::npos;
         newline = pending.find('\n', start)) {
      print_event(pending.substr(start, newline - start), received);
      start = newline + 1;
    }
    pending.erase(0, start);
    std::fflush(stdout);
  }
}
