#include "agent/docker/ssh_dialer.hpp"

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

namespace ipa {
namespace {

constexpr std::uint64_t kKillAfterMs = 3000;  // the docker CLI's grace after SIGTERM
// A process ssh started (a ProxyCommand, say) may hold stderr open after
// ssh itself has gone; its story is told without waiting longer.
constexpr std::uint64_t kStderrAfterExitMs = 500;
constexpr std::size_t kStderrKept = 4096;  // the docker CLI keeps as much
constexpr std::size_t kStderrShown = 512;

std::string private_directory_base() {
  for (const char* name : {"XDG_RUNTIME_DIR", "TMPDIR"}) {
    const char* value = ::getenv(name);
    struct stat st {};
    if (value != nullptr && *value != '\0' && ::stat(value, &st) == 0 && S_ISDIR(st.st_mode)) {
      return value;
    }
  }
  return "/tmp";
}

// ssh's stderr as one line: the end of it, where ssh says why it gave up.
std::string one_line(const std::string& text) {
  std::string out;
  bool gap = false;
  for (const char c : text) {
    if (c == '\n' || c == '\r') {
      gap = !out.empty();
      continue;
    }
    if (gap) {
      out += " / ";
      gap = false;
    }
    out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  }
  if (out.size() > kStderrShown) {
    out = "..." + out.substr(out.size() - kStderrShown);
  }
  if (!out.empty() && out.back() == '.') {
    out.pop_back();  // the error line goes on after it
  }
  return out;
}

}  // namespace

struct SshTunnel::Leg {
  Leg(uv_loop_t* uv_loop, const SshTarget& target)
      : loop(uv_loop), argv(target.command()), check(target.manual_check()) {}

  uv_loop_t* loop;
  std::vector<std::string> argv;
  std::string check;      // for the user, when ssh fails
  std::string directory;  // private (0700), holds the listener's socket until the accept
  uv_pipe_t listener{};
  uv_pipe_t peer{};  // the accepted connection, until ssh has it
  uv_process_t process{};
  uv_pipe_t err{};
  uv_timer_t timer{};  // SIGKILL after SIGTERM; then the wait for stderr
  int open_handles = 0;
  bool listening = false;
  bool timer_open = false;
  bool running = false;
  bool err_open = false;
  bool terminated = false;
  bool abandoned = false;
  std::string spawn_error;
  std::int64_t exit_status = 0;
  int term_signal = 0;
  std::string err_tail;
  std::array<char, 1024> read_buffer{};
  std::function<void(const SshAccount&)> done;

  template <class Handle>
  void init_handle(Handle* handle) {
    handle->data = this;
    ++open_handles;
  }

  static void on_closed(uv_handle_t* handle) {
    auto* leg = static_cast<Leg*>(handle->data);
    if (--leg->open_handles == 0 && leg->abandoned) {
      delete leg;
    }
  }

  template <class Handle>
  static void close(Handle* handle) {
    uv_close(reinterpret_cast<uv_handle_t*>(handle), &Leg::on_closed);
  }

  // Listens on a socket in a fresh private directory; returns its path.
  Result<std::string> listen() {
    uv_timer_init(loop, &timer);
    init_handle(&timer);
    timer_open = true;
    uv_pipe_init(loop, &listener, 0);
    init_handle(&listener);
    listening = true;
    std::string pattern = private_directory_base() + "/iris-port-agent-ssh-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      return make_error(ErrorCode::kDockerUnreachable,
                        "cannot create a private directory like " + pattern +
                            " for the ssh connection: " + std::strerror(errno));
    }
    directory = std::move(pattern);
    const std::string path = directory + "/s";
    int rc = uv_pipe_bind(&listener, path.c_str());
    if (rc == 0) {
      rc = uv_listen(reinterpret_cast<uv_stream_t*>(&listener), 1, &Leg::on_connection);
    }
    if (rc != 0) {
      return make_error(ErrorCode::kDockerUnreachable,
                        "cannot listen on " + path + " for the ssh connection: " + uv_strerror(rc));
    }
    return path;
  }

  // The directory goes as soon as the one connection is in (or will never
  // come), so that only an agent killed within those milliseconds leaves it.
  void stop_listening() {
    if (listening) {
      listening = false;
      close(&listener);  // libuv unlinks the socket file here
      if (!directory.empty()) {
        ::rmdir(directory.c_str());
      }
    }
  }

  static void on_connection(uv_stream_t* server, int status) {
    auto* leg = static_cast<Leg*>(server->data);
    if (status == 0) {
      uv_pipe_init(leg->loop, &leg->peer, 0);
      leg->init_handle(&leg->peer);
      if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&leg->peer)) == 0) {
        leg->spawn();
      }
      close(&leg->peer);  // ssh has its own copy now
    }
    leg->stop_listening();
    leg->settle();
  }

  void spawn() {
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (std::string& arg : argv) {
      args.push_back(arg.data());
    }
    args.push_back(nullptr);
    uv_pipe_init(loop, &err, 0);
    init_handle(&err);
    std::array<uv_stdio_container_t, 3> stdio{};
    stdio[0].flags = UV_INHERIT_STREAM;
    stdio[0].data.stream = reinterpret_cast<uv_stream_t*>(&peer);
    stdio[1] = stdio[0];
    stdio[2].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
    stdio[2].data.stream = reinterpret_cast<uv_stream_t*>(&err);
    uv_process_options_t options{};
    options.exit_cb = &Leg::on_exit;
    options.file = args[0];
    options.args = args.data();
    options.stdio_count = static_cast<int>(stdio.size());
    options.stdio = stdio.data();
    // Its own session, as the docker CLI does: no terminal to prompt on, and
    // a Ctrl-C meant for the agent does not cut the connection under it.
    options.flags = UV_PROCESS_DETACHED;
    const int rc = uv_spawn(loop, &process, &options);
    init_handle(&process);
    if (rc != 0) {
      spawn_error = uv_strerror(rc);
      close(&process);
      close(&err);
      return;
    }
    running = true;
    err_open = true;
    uv_read_start(
        reinterpret_cast<uv_stream_t*>(&err),
        [](uv_handle_t* handle, std::size_t /*suggested*/, uv_buf_t* buf) {
          auto* leg = static_cast<Leg*>(handle->data);
          *buf = uv_buf_init(leg->read_buffer.data(),
                             static_cast<unsigned int>(leg->read_buffer.size()));
        },
        &Leg::on_stderr);
  }

  static void on_stderr(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
    auto* leg = static_cast<Leg*>(stream->data);
    if (nread > 0) {
      leg->err_tail.append(buf->base, static_cast<std::size_t>(nread));
      if (leg->err_tail.size() > kStderrKept) {
        leg->err_tail.erase(0, leg->err_tail.size() - kStderrKept);
      }
      return;
    }
    if (nread < 0) {
      leg->close_stderr();
      leg->settle();
    }
  }

  void close_stderr() {
    if (err_open) {
      err_open = false;
      close(&err);
    }
  }

  static void on_exit(uv_process_t* process, std::int64_t exit_status, int term_signal) {
    auto* leg = static_cast<Leg*>(process->data);
    leg->running = false;
    leg->exit_status = exit_status;
    leg->term_signal = term_signal;
    close(process);
    if (leg->err_open) {
      uv_timer_start(&leg->timer, &Leg::on_timer, kStderrAfterExitMs, 0);
    } else {
      uv_timer_stop(&leg->timer);
    }
    leg->settle();
  }

  static void on_timer(uv_timer_t* timer) {
    auto* leg = static_cast<Leg*>(timer->data);
    if (leg->running) {
      uv_process_kill(&leg->process, SIGKILL);
      return;
    }
    leg->close_stderr();
    leg->settle();
  }

  void terminate() {
    if (running && !terminated) {
      terminated = true;
      uv_process_kill(&process, SIGTERM);
      uv_timer_start(&timer, &Leg::on_timer, kKillAfterMs, 0);
    }
  }

  SshAccount account() const {
    if (!spawn_error.empty()) {
      return {"cannot run ssh: " + spawn_error + " (is the OpenSSH client installed?)", true};
    }
    const std::string said = one_line(err_tail);
    if (term_signal != 0 && terminated) {
      return {said.empty() ? std::string() : "ssh said: " + said, false};
    }
    std::string story;
    if (term_signal != 0) {
      story = "ssh was killed by signal " + std::to_string(term_signal);
    } else if (exit_status != 0 || !said.empty()) {
      story = "ssh exited with status " + std::to_string(exit_status);
    }
    if (!said.empty()) {
      story += ": " + said;
    }
    if (!story.empty()) {
      story += "; check that `" + check + "` works for this user without a prompt";
    }
    return {story, !story.empty()};
  }

  // Tells the waiting caller once nothing more can happen, and lets the
  // handles go once the tunnel is gone too.
  void settle() {
    if (listening || running || err_open) {
      return;
    }
    if (done) {
      auto callback = std::move(done);
      done = nullptr;
      callback(account());
    }
    if (abandoned && timer_open) {
      timer_open = false;
      close(&timer);
    }
  }

  void abandon() {
    abandoned = true;
    done = nullptr;
    stop_listening();
    terminate();
    settle();
  }
};

SshTunnel::~SshTunnel() {
  leg_->abandon();
}

void SshTunnel::finish(std::function<void(const SshAccount&)> done) {
  leg_->done = std::move(done);
  leg_->stop_listening();
  leg_->terminate();
  leg_->settle();
}

SshDialer::SshDialer(uv_loop_t* loop, SshTarget target) : loop_(loop), target_(std::move(target)) {}

Result<std::unique_ptr<SshTunnel>> SshDialer::dial() {
  auto* leg = new SshTunnel::Leg(loop_, target_);
  // The tunnel owns the leg's fate from here, also when listening fails.
  std::unique_ptr<SshTunnel> tunnel(new SshTunnel(leg));
  auto path = leg->listen();
  if (!path) {
    return path.error();
  }
  tunnel->path_ = std::move(*path);
  return tunnel;
}

}  // namespace ipa
