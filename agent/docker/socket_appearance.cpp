#include "agent/docker/socket_appearance.hpp"

#include <sys/stat.h>

#include "base/log.hpp"

namespace ipa {
namespace {

bool is_socket(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

}  // namespace

SocketAppearance::SocketAppearance(uv_loop_t* loop, std::string socket_path,
                                   std::function<void()> on_appear)
    : socket_path_(std::move(socket_path)),
      on_appear_(std::move(on_appear)),
      handle_(new uv_fs_event_t) {
  const auto slash = socket_path_.rfind('/');
  directory_ = slash == 0 ? "/" : socket_path_.substr(0, slash);
  name_ = socket_path_.substr(slash + 1);
  uv_fs_event_init(loop, handle_);
  handle_->data = this;
}

SocketAppearance::~SocketAppearance() {
  uv_close(reinterpret_cast<uv_handle_t*>(handle_),
           [](uv_handle_t* handle) { delete reinterpret_cast<uv_fs_event_t*>(handle); });
}

Result<Ok> SocketAppearance::start() {
  stop();
  const int rc = uv_fs_event_start(handle_, &SocketAppearance::on_change, directory_.c_str(), 0);
  if (rc != 0) {
    return make_error(ErrorCode::kIo,
                      "cannot watch " + directory_ + " for the Docker socket: " + uv_strerror(rc));
  }
  return Ok{};
}

void SocketAppearance::stop() {
  uv_fs_event_stop(handle_);
}

void SocketAppearance::on_change(uv_fs_event_t* handle, const char* filename, int /*events*/,
                                 int status) {
  auto* self = static_cast<SocketAppearance*>(handle->data);
  if (status < 0) {
    log_debug("watching " + self->directory_ + ": " + uv_strerror(status));
    return;
  }
  // No name means the kernel dropped events: look anyway.
  if ((filename == nullptr || self->name_ == filename) && is_socket(self->socket_path_)) {
    self->on_appear_();
  }
}

}  // namespace ipa
