#include "agent/docker/curl_uv_multi.hpp"

#include <string>

#include "base/log.hpp"

namespace ipa {

struct CurlUvMulti::SocketWatch {
  uv_poll_t poll{};
  curl_socket_t fd = CURL_SOCKET_BAD;
  CurlUvMulti* owner = nullptr;
};

CurlUvMulti::CurlUvMulti(uv_loop_t* loop, std::function<void()> after_action,
                         std::function<void(CURL*, CURLcode)> on_done)
    : loop_(loop),
      multi_(curl_multi_init()),
      timer_(new uv_timer_t),
      after_action_(std::move(after_action)),
      on_done_(std::move(on_done)) {
  uv_timer_init(loop_, timer_);
  timer_->data = this;
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlUvMulti::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlUvMulti::on_curl_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

CurlUvMulti::~CurlUvMulti() {
  // The owner removed its transfers; cleanup may still report sockets of
  // closing connections to on_socket, which needs this object alive.
  curl_multi_cleanup(multi_);
  while (!watches_.empty()) {
    close_watch(*watches_.begin());
  }
  uv_close(reinterpret_cast<uv_handle_t*>(timer_),
           [](uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); });
}

Result<Ok> CurlUvMulti::add(CURL* easy) {
  const CURLMcode code = curl_multi_add_handle(multi_, easy);
  if (code != CURLM_OK) {
    return make_error(ErrorCode::kDockerUnreachable,
                      std::string("cannot start a request: ") + curl_multi_strerror(code));
  }
  return Ok{};
}

void CurlUvMulti::remove(CURL* easy) {
  curl_multi_remove_handle(multi_, easy);
}

int CurlUvMulti::on_socket(CURL* /*easy*/, curl_socket_t fd, int what, void* userp, void* socketp) {
  auto* self = static_cast<CurlUvMulti*>(userp);
  auto* watch = static_cast<SocketWatch*>(socketp);
  if (what == CURL_POLL_REMOVE) {
    if (watch != nullptr) {
      curl_multi_assign(self->multi_, fd, nullptr);
      self->close_watch(watch);
    }
    return 0;
  }
  if (watch == nullptr) {
    // A fresh watch per socket: curl may reuse the fd number of a socket
    // whose watch is still closing.
    watch = new SocketWatch;
    const int rc = uv_poll_init_socket(self->loop_, &watch->poll, fd);
    if (rc != 0) {
      delete watch;
      log_error(std::string("cannot watch a Docker connection: ") + uv_strerror(rc));
      return -1;
    }
    watch->fd = fd;
    watch->owner = self;
    watch->poll.data = watch;
    self->watches_.insert(watch);
    curl_multi_assign(self->multi_, fd, watch);
  }
  int events = 0;
  if ((what & CURL_POLL_IN) != 0) {
    events |= UV_READABLE;
  }
  if ((what & CURL_POLL_OUT) != 0) {
    events |= UV_WRITABLE;
  }
  const int rc = uv_poll_start(&watch->poll, events, &CurlUvMulti::on_poll);
  if (rc != 0) {
    log_error(std::string("cannot watch a Docker connection: ") + uv_strerror(rc));
    return -1;
  }
  return 0;
}

// Only arms the uv timer: calling back into curl from here would re-enter it.
int CurlUvMulti::on_curl_timer(CURLM* /*multi*/, long timeout_ms, void* userp) {
  auto* self = static_cast<CurlUvMulti*>(userp);
  if (timeout_ms < 0) {
    uv_timer_stop(self->timer_);
  } else {
    uv_timer_start(self->timer_, &CurlUvMulti::on_uv_timer, static_cast<uint64_t>(timeout_ms), 0);
  }
  return 0;
}

void CurlUvMulti::on_poll(uv_poll_t* poll, int status, int events) {
  const auto* watch = static_cast<const SocketWatch*>(poll->data);
  int select = 0;
  if (status < 0) {
    select = CURL_CSELECT_ERR;
  } else {
    if ((events & UV_READABLE) != 0) {
      select |= CURL_CSELECT_IN;
    }
    if ((events & UV_WRITABLE) != 0) {
      select |= CURL_CSELECT_OUT;
    }
  }
  // The action may close this watch: read what it needs first.
  watch->owner->socket_action(watch->fd, select);
}

void CurlUvMulti::on_uv_timer(uv_timer_t* timer) {
  static_cast<CurlUvMulti*>(timer->data)->socket_action(CURL_SOCKET_TIMEOUT, 0);
}

void CurlUvMulti::socket_action(curl_socket_t fd, int select) {
  int running = 0;
  curl_multi_socket_action(multi_, fd, select, &running);
  after_action_();
  // One message at a time: on_done may remove transfers, which drops their
  // queued messages.
  int queued = 0;
  while (const CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
    if (message->msg == CURLMSG_DONE) {
      on_done_(message->easy_handle, message->data.result);
    }
  }
}

void CurlUvMulti::close_watch(SocketWatch* watch) {
  watches_.erase(watch);
  uv_poll_stop(&watch->poll);
  uv_close(reinterpret_cast<uv_handle_t*>(&watch->poll),
           [](uv_handle_t* handle) { delete static_cast<SocketWatch*>(handle->data); });
}

}  // namespace ipa
