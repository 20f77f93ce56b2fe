#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace ipa::test {

// A misbehaving HTTP peer on a unix socket, served from a thread, for what
// the real engine will not send: broken JSON, endless lines, drips, abrupt
// closes, error statuses. Never a stand-in for the engine itself.
class HostileServer {
 public:
  // Answers each connection: gets the socket and the request line.
  using Handler = std::function<void(int fd, const std::string& request_line)>;

  explicit HostileServer(Handler handler);
  ~HostileServer();
  HostileServer(const HostileServer&) = delete;
  HostileServer& operator=(const HostileServer&) = delete;

  std::string url() const { return "unix://" + path_; }
  int connections() const { return connections_.load(); }

  // Helpers for handlers; they ignore a peer that went away.
  static void send_all(int fd, std::string_view bytes);
  static void send_chunk(int fd, std::string_view bytes);  // chunked transfer encoding
  // Blocks until the client closes the connection.
  static void hold_open(int fd);

 private:
  void serve();

  std::string path_;
  int listen_fd_ = -1;
  Handler handler_;
  std::atomic<int> connections_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// Status line and headers of a response whose body runs until close.
std::string stream_headers(int status = 200);
// ... and of a chunked one.
std::string chunked_headers(int status = 200);
// A well-formed container event line (with its newline).
std::string event_line(const std::string& action, const std::string& id, long long time_nano);

}  // namespace ipa::test
