#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "agent/reconcile_job.hpp"

namespace ipa {

// Watch mode's registry side: the steps not yet written, and the writes that
// take them to the file, one at a time on libuv's thread pool so that
// neither the lock nor fsync ever stalls the loop. Nothing is dropped: steps
// a failed write took go back in front of newer ones.
//
// Coalescing: the first change after a quiet spell is written at once;
// changes that arrive while a write runs go into the next write, which starts
// as soon as that write ends (the write itself was their window: waiting
// longer would only add to their lag); changes that arrive within the window
// after a write wait for its end. The window never extends, so it is also the
// cap.
class RegistryWriter {
 public:
  struct Hooks {
    // The job for these steps, from the settings of the moment (on the loop).
    std::function<ReconcileJob(std::vector<PendingStep>)> prepare;
    // A write with a full list in it succeeded: the registry is true now.
    std::function<void(const Plan::Summary&)> on_reconciled;
  };

  RegistryWriter(uv_loop_t* loop, std::string registry_path, std::uint64_t window_ms, Hooks hooks);
  RegistryWriter(const RegistryWriter&) = delete;
  RegistryWriter& operator=(const RegistryWriter&) = delete;

  void add(std::vector<PendingStep> steps);
  void set_window_ms(std::uint64_t window_ms) { window_ms_ = window_ms; }
  // Writes what is pending at once, tries a file that could not be read one
  // last time, and closes its handles when done or `budget_ms` from now
  // (what could not be written is then logged as one line).
  void finish(std::uint64_t budget_ms);

 private:
  // Why the registry cannot take the pending steps right now.
  enum class Blocked { kNo, kLockBusy, kUnreadable, kIoFailure };

  // The one write in flight. The pool thread touches nothing else: its own
  // copy of the registry path and the job, the writer's memory, the result.
  struct Write {
    uv_work_t request{};
    RegistryWriter* writer = nullptr;  // read on the loop only
    std::string registry_path;
    ReconcileJob job;
    WriterMemory memory;  // derived names and the last good copy, from write to write
    ReconcileResult result;
  };

  static void run_write(uv_work_t* request);
  static void after_write(uv_work_t* request, int status);
  static void on_window_end(uv_timer_t* timer);
  static void on_retry_due(uv_timer_t* timer);
  static void on_quiet(uv_timer_t* timer);
  static void return_memory(uv_work_t* request);
  static void after_return_memory(uv_work_t* request, int status);
  static void on_registry_changed(uv_fs_event_t* handle, const char* filename, int events,
                                  int status);

  void schedule_write(bool write_just_ended = false);
  void start_write();
  void finish_write();
  void handle_write_error(const Error& error);
  void retry_in(Blocked why, std::uint64_t delay_ms);
  void unblock();
  void report_once(const std::string& problem, const char* consequence);
  bool start_registry_watch();
  void stop_registry_watch();
  void close_when_done();

  uv_loop_t* loop_;
  const std::string registry_path_;
  std::uint64_t window_ms_;
  Hooks hooks_;
  std::vector<PendingStep> pending_;

  Write write_;
  bool writing_ = false;
  std::uint64_t last_write_end_ms_ = 0;
  uv_timer_t window_timer_{};  // changes that came within the window after a write
  uv_timer_t retry_timer_{};   // after a failed write: lock busy, I/O error, no file watch
  Blocked blocked_ = Blocked::kNo;
  std::uint64_t io_retry_ms_;
  std::string last_error_;
  uv_fs_event_t registry_watch_{};  // while the file cannot be read: its fix
  bool registry_touched_ = false;   // the file changed since the last write began

  uv_timer_t quiet_timer_{};  // a second without writes: the memory goes back
  uv_work_t memory_request_{};
  bool returning_memory_ = false;

  bool finishing_ = false;
  bool closed_ = false;
  std::uint64_t deadline_ms_ = 0;
};

}  // namespace ipa
