#include "tests/docker/support/hostile_server.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include <catch2/catch.hpp>

namespace ipa::test {
namespace {

std::string read_request_line(int fd) {
  std::string request;
  char buffer[1024];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      break;
    }
    request.append(buffer, static_cast<std::size_t>(n));
  }
  return request.substr(0, request.find("\r\n"));
}

}  // namespace

HostileServer::HostileServer(Handler handler) : handler_(std::move(handler)) {
  static int counter = 0;
  path_ =
      "/tmp/ipa-hostile-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + ".sock";
  ::unlink(path_.c_str());
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(listen_fd_ >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path_.c_str(), sizeof address.sun_path - 1);
  REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(listen_fd_, 16) == 0);
  thread_ = std::thread([this] { serve(); });
}

HostileServer::~HostileServer() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
  thread_.join();
  ::close(listen_fd_);
  ::unlink(path_.c_str());
}

void HostileServer::serve() {
  while (!stopping_) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      continue;  // woken by shutdown, or a transient error
    }
    ++connections_;
    handler_(fd, read_request_line(fd));
    ::close(fd);
  }
}

void HostileServer::send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      return;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void HostileServer::send_chunk(int fd, std::string_view bytes) {
  char size[32];
  (void)std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
  send_all(fd, std::string(size) + std::string(bytes) + "\r\n");
}

void HostileServer::hold_open(int fd) {
  char c = 0;
  while (::recv(fd, &c, 1, 0) > 0) {
  }
}

std::string stream_headers(int status) {
  return "HTTP/1.1 " + std::to_string(status) +
         " X\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\nConnection: close\r\n\r\n";
}

std::string chunked_headers(int status) {
  return "HTTP/1.1 " + std::to_string(status) +
         " X\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\n"
         "Transfer-Encoding: chunked\r\n\r\n";
}

std::string event_line(const std::string& action, const std::string& id, long long time_nano) {
  return R"({"Type":"container","Action":")" + action + R"(","Actor":{"ID":")" + id +
         R"(","Attributes":{"name":"n"}},"time":1,"timeNano":)" + std::to_string(time_nano) + "}\n";
}

}  // namespace ipa::test
