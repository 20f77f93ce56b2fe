#pragma once

#include <functional>
#include <memory>
#include <unordered_set>

#include <curl/curl.h>
#include <uv.h>

#include "base/result.hpp"

namespace ipa {

// curl's multi interface driven by a libuv loop: one uv_poll_t per socket
// curl asks to watch, one uv_timer_t for curl's timeout. After every socket
// action it first calls after_action, then on_done once per finished
// transfer; both run outside curl's callbacks, so they may add and remove
// transfers (but must not destroy this object).
class CurlUvMulti {
 public:
  CurlUvMulti(uv_loop_t* loop, std::function<void()> after_action,
              std::function<void(CURL*, CURLcode)> on_done);
  ~CurlUvMulti();
  CurlUvMulti(const CurlUvMulti&) = delete;
  CurlUvMulti& operator=(const CurlUvMulti&) = delete;

  Result<Ok> add(CURL* easy);
  void remove(CURL* easy);

 private:
  struct SocketWatch;

  static int on_socket(CURL* easy, curl_socket_t fd, int what, void* userp, void* socketp);
  static int on_curl_timer(CURLM* multi, long timeout_ms, void* userp);
  static void on_poll(uv_poll_t* poll, int status, int events);
  static void on_uv_timer(uv_timer_t* timer);

  void socket_action(curl_socket_t fd, int select);
  void close_watch(SocketWatch* watch);

  uv_loop_t* loop_;
  CURLM* multi_;
  uv_timer_t* timer_;  // heap: its close completes after this object is gone
  std::unordered_set<SocketWatch*> watches_;
  std::function<void()> after_action_;
  std::function<void(CURL*, CURLcode)> on_done_;
};

}  // namespace ipa
