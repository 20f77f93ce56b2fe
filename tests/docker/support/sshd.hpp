#pragma once

#include <string>

namespace ipa::test {

// ssh client processes with `-p port` on their command line that exist, and
// ssh children of this process not yet reaped.
int ssh_processes(int port);

// A real sshd on a loopback port (tests/docker/support/throwaway-sshd) whose
// sessions run docker.io's CLI against the test engine. While it exists,
// PATH starts with a directory whose `ssh` uses only the test's key and
// known_hosts. Stopped and removed at scope exit, whatever the test's outcome.
class ThrowawaySshd {
 public:
  ThrowawaySshd();
  ~ThrowawaySshd();
  ThrowawaySshd(const ThrowawaySshd&) = delete;
  ThrowawaySshd& operator=(const ThrowawaySshd&) = delete;

  // Stops the daemon and every session it serves, as a host going away would.
  void stop();
  void start();
  // From now on the client offers a key the server does not know.
  void use_unknown_key();

  // ssh://root@127.0.0.1:PORT followed by `path`.
  std::string url(const std::string& path = "") const;
  int ssh_processes() const { return test::ssh_processes(port_); }

 private:
  void script(const std::string& args) const;

  std::string dir_;
  std::string old_path_;
  int port_ = 0;
};

}  // namespace ipa::test
