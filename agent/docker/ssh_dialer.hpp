#pragma once

#include <functional>
#include <memory>
#include <string>

#include <uv.h>

#include "agent/docker/ssh_target.hpp"
#include "base/result.hpp"

namespace ipa {

// What became of the ssh process behind one connection, for error lines.
struct SshAccount {
  // "ssh exited with status 255: me@host: Permission denied (publickey).",
  // "cannot run ssh: ...", or what ssh wrote when the agent ended it; empty
  // when there is nothing to tell.
  std::string story;
  // ssh ended on its own (or never ran): its story explains the failure
  // better than the HTTP client's view of the closed pipe.
  bool replaces_transport_error = false;
};

// One HTTP connection through `ssh ... docker system dial-stdio`. curl
// connects to socket_path(), a unix socket in a private directory of its own
// (in $XDG_RUNTIME_DIR, else $TMPDIR, else /tmp) that accepts that one
// connection, hands it to a fresh ssh process as its stdin and stdout, and
// is removed. (The way the brief suggested, a socketpair handed to
// curl with CURL_SOCKOPT_ALREADY_CONNECTED, fails on libcurl 7.88, which
// connect()s it anyway: curl issue 10626, fixed in 8.0.)
//
// Destroying the tunnel ends its ssh (SIGTERM, SIGKILL after 3 s, as the
// docker CLI does); the loop reaps it, so a loop run to completion leaves no
// ssh behind.
class SshTunnel {
 public:
  ~SshTunnel();
  SshTunnel(const SshTunnel&) = delete;
  SshTunnel& operator=(const SshTunnel&) = delete;

  const std::string& socket_path() const { return path_; }

  // Ends ssh if it still runs, then calls `done` on the loop once it has
  // exited and its stderr is read (at once if it never started). Not called
  // after the tunnel is destroyed.
  void finish(std::function<void(const SshAccount&)> done);

 private:
  friend class SshDialer;
  struct Leg;
  explicit SshTunnel(Leg* leg) : leg_(leg) {}

  std::string path_;
  Leg* leg_;  // owns itself: it outlives the tunnel until its handles close
};

// Opens SshTunnels to one target, from one libuv loop.
class SshDialer {
 public:
  SshDialer(uv_loop_t* loop, SshTarget target);

  Result<std::unique_ptr<SshTunnel>> dial();

 private:
  uv_loop_t* loop_;
  SshTarget target_;
};

}  // namespace ipa
