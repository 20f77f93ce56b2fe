#pragma once

#include <functional>
#include <string>

#include <uv.h>

#include "base/result.hpp"

namespace ipa {

// Tells when a unix socket (re)appears, by watching its directory with
// uv_fs_event_t: a restarting engine is then noticed at once instead of at
// the next backoff tick. Costs no wake-ups while the directory is quiet.
class SocketAppearance {
 public:
  SocketAppearance(uv_loop_t* loop, std::string socket_path, std::function<void()> on_appear);
  ~SocketAppearance();
  SocketAppearance(const SocketAppearance&) = delete;
  SocketAppearance& operator=(const SocketAppearance&) = delete;

  // (Re)starts watching; a directory that was deleted and recreated since
  // the last start is picked up again.
  Result<Ok> start();
  void stop();

 private:
  static void on_change(uv_fs_event_t* handle, const char* filename, int events, int status);

  std::string socket_path_;
  std::string directory_;
  std::string name_;
  std::function<void()> on_appear_;
  uv_fs_event_t* handle_;  // heap: its close completes after this object is gone
};

}  // namespace ipa
