#include "agent/watch/registry_writer.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

#include "base/file_path.hpp"
#include "base/log.hpp"
#include "platform/memory.hpp"

namespace ipa {
namespace {

constexpr std::uint64_t kLockRetryMs = 50;  // py-filelock's own poll interval
constexpr std::uint64_t kIoRetryInitialMs = 1000;
constexpr std::uint64_t kIoRetryMaxMs = 30000;
// Memory a write used is handed back once changes stop coming: trimming after
// every write made the next one fault all its pages in again, a millisecond
// of each write's latency on this machine's virtualised page faults.
constexpr std::uint64_t kReturnMemoryAfterQuietMs = 1000;

template <typename Handle>
uv_handle_t* as_handle(Handle* handle) {
  return reinterpret_cast<uv_handle_t*>(handle);
}

}  // namespace

RegistryWriter::RegistryWriter(uv_loop_t* loop, std::string registry_path, std::uint64_t window_ms,
                               Hooks hooks)
    : loop_(loop),
      registry_path_(std::move(registry_path)),
      window_ms_(window_ms),
      hooks_(std::move(hooks)),
      io_retry_ms_(kIoRetryInitialMs) {
  write_.request.data = &write_;
  write_.writer = this;
  memory_request_.data = this;
  for (uv_timer_t* timer : {&window_timer_, &retry_timer_, &quiet_timer_}) {
    uv_timer_init(loop_, timer);
    timer->data = this;
  }
  uv_fs_event_init(loop_, &registry_watch_);
  registry_watch_.data = this;
}

void RegistryWriter::add(std::vector<PendingStep> steps) {
  pending_.insert(pending_.end(), std::make_move_iterator(steps.begin()),
                  std::make_move_iterator(steps.end()));
  schedule_write();
}

void RegistryWriter::finish(std::uint64_t budget_ms) {
  if (finishing_) {
    return;
  }
  finishing_ = true;
  deadline_ms_ = uv_now(loop_) + budget_ms;
  if (blocked_ == Blocked::kUnreadable) {
    blocked_ = Blocked::kNo;  // one last try: the file may be back
  }
  close_when_done();
  schedule_write();
}

void RegistryWriter::schedule_write(bool write_just_ended) {
  if (closed_ || writing_ || pending_.empty() || blocked_ != Blocked::kNo) {
    return;
  }
  const std::uint64_t now = uv_now(loop_);
  const std::uint64_t window = finishing_ ? 0 : window_ms_;
  const std::uint64_t ready_at = last_write_end_ms_ + window;
  if (now >= ready_at || last_write_end_ms_ == 0 || write_just_ended) {
    start_write();
  } else if (!uv_is_active(as_handle(&window_timer_))) {
    uv_timer_start(&window_timer_, &RegistryWriter::on_window_end, ready_at - now, 0);
  }
}

void RegistryWriter::on_window_end(uv_timer_t* timer) {
  static_cast<RegistryWriter*>(timer->data)->schedule_write();
}

void RegistryWriter::on_retry_due(uv_timer_t* timer) {
  static_cast<RegistryWriter*>(timer->data)->unblock();
}

void RegistryWriter::start_write() {
  for (uv_timer_t* timer : {&window_timer_, &retry_timer_, &quiet_timer_}) {
    uv_timer_stop(timer);
  }
  write_.registry_path = registry_path_;
  write_.job = hooks_.prepare(std::move(pending_));
  pending_.clear();
  writing_ = true;
  registry_touched_ = false;
  uv_queue_work(loop_, &write_.request, &RegistryWriter::run_write, &RegistryWriter::after_write);
}

void RegistryWriter::run_write(uv_work_t* request) {
  auto* write = static_cast<Write*>(request->data);
  write->result = run_reconcile_job(write->registry_path, write->job, LockWait{}, write->memory);
}

void RegistryWriter::after_write(uv_work_t* request, int /*status*/) {
  RegistryWriter* self = static_cast<Write*>(request->data)->writer;
  self->writing_ = false;
  self->last_write_end_ms_ = uv_now(self->loop_);
  self->finish_write();
  if (!self->writing_ && !self->closed_) {
    uv_timer_start(&self->quiet_timer_, &RegistryWriter::on_quiet, kReturnMemoryAfterQuietMs, 0);
  }
}

void RegistryWriter::finish_write() {
  const auto& outcome = write_.result.outcome;
  if (!outcome) {
    pending_.insert(pending_.begin(), std::make_move_iterator(write_.job.steps.begin()),
                    std::make_move_iterator(write_.job.steps.end()));
    handle_write_error(outcome.error());
    close_when_done();
    return;
  }
  for (const std::string& line : write_.result.decisions) {
    log_info(line);
  }
  if (includes_full_list(write_.job)) {
    hooks_.on_reconciled(write_.result.summary);
  }
  if (!last_error_.empty()) {
    log_info("registry " + registry_path_ + " is usable again; pending changes applied");
    last_error_.clear();
  }
  io_retry_ms_ = kIoRetryInitialMs;
  stop_registry_watch();
  close_when_done();
  schedule_write(/*write_just_ended=*/true);
}

void RegistryWriter::handle_write_error(const Error& error) {
  switch (error.code) {
    case ErrorCode::kLockBusy:
      retry_in(Blocked::kLockBusy, kLockRetryMs);
      return;  // normal while a Python writer works; not worth a log line
    case ErrorCode::kRegistryCorrupt:
    case ErrorCode::kRegistryUnsupported:
      report_once(error.message,
                  "; not writing it; changes wait until the file is valid again (or run "
                  "iris-port-agent repair)");
      blocked_ = Blocked::kUnreadable;
      // A fix that landed while the job read the file, or before the watch
      // was set, has no event left to wake the writer: look again (a watch
      // that cannot be set leaves a retry timer instead). A finishing writer
      // has had its last try.
      if ((start_registry_watch() || registry_touched_) && !finishing_) {
        unblock();
      }
      return;
    default:
      report_once(error.message, "; retrying");
      retry_in(Blocked::kIoFailure, io_retry_ms_);
      io_retry_ms_ = std::min(io_retry_ms_ * 2, kIoRetryMaxMs);
      return;
  }
}

void RegistryWriter::retry_in(Blocked why, std::uint64_t delay_ms) {
  blocked_ = why;
  uv_timer_start(&retry_timer_, &RegistryWriter::on_retry_due, delay_ms, 0);
}

void RegistryWriter::unblock() {
  blocked_ = Blocked::kNo;
  schedule_write();
}

// One line per state change, not per event or retry.
void RegistryWriter::report_once(const std::string& problem, const char* consequence) {
  if (problem != last_error_) {
    log_error(problem + consequence);
    last_error_ = problem;
  }
}

// True when the watch begins now, false when it was already running or could
// not be set (then the retry timer looks again now and then).
bool RegistryWriter::start_registry_watch() {
  if (uv_is_active(as_handle(&registry_watch_))) {
    return false;
  }
  const int rc = uv_fs_event_start(&registry_watch_, &RegistryWriter::on_registry_changed,
                                   directory_of(registry_path_).c_str(), 0);
  if (rc != 0) {
    retry_in(Blocked::kIoFailure, kIoRetryInitialMs);
    return false;
  }
  return true;
}

void RegistryWriter::stop_registry_watch() {
  if (uv_is_active(as_handle(&registry_watch_))) {
    uv_fs_event_stop(&registry_watch_);
  }
}

void RegistryWriter::on_registry_changed(uv_fs_event_t* handle, const char* filename,
                                         int /*events*/, int /*status*/) {
  auto* self = static_cast<RegistryWriter*>(handle->data);
  if (filename != nullptr && file_name_of(self->registry_path_) != filename) {
    return;
  }
  self->registry_touched_ = true;
  self->unblock();
}

// A write's parse and serialization of the whole registry are its peak; once
// no write has run or is due for a second (changes written, or waiting for a
// valid file), the freed pages go back so that the agent stays small. On the
// pool: the loop only waits for it if it allocates meanwhile.
void RegistryWriter::on_quiet(uv_timer_t* timer) {
  auto* self = static_cast<RegistryWriter*>(timer->data);
  const bool write_due =
      uv_is_active(as_handle(&self->window_timer_)) || uv_is_active(as_handle(&self->retry_timer_));
  if (!self->writing_ && !write_due && !self->returning_memory_) {
    self->returning_memory_ = true;
    uv_queue_work(self->loop_, &self->memory_request_, &RegistryWriter::return_memory,
                  &RegistryWriter::after_return_memory);
  }
}

void RegistryWriter::return_memory(uv_work_t* /*request*/) {
  platform::return_freed_memory();
}

void RegistryWriter::after_return_memory(uv_work_t* request, int /*status*/) {
  static_cast<RegistryWriter*>(request->data)->returning_memory_ = false;
}

void RegistryWriter::close_when_done() {
  if (!finishing_ || closed_ || writing_) {
    return;
  }
  const bool out_of_time = uv_now(loop_) >= deadline_ms_;
  if (!pending_.empty() && !out_of_time && blocked_ != Blocked::kUnreadable) {
    return;  // the retry timer or schedule_write comes back here
  }
  if (!pending_.empty()) {
    log_error(std::to_string(pending_.size()) +
              " change(s) could not be written before exit; the next start reconciles them "
              "from Docker's container list");
  }
  closed_ = true;
  for (uv_timer_t* timer : {&window_timer_, &retry_timer_, &quiet_timer_}) {
    uv_close(as_handle(timer), nullptr);
  }
  uv_close(as_handle(&registry_watch_), nullptr);
}

}  // namespace ipa
