#include "base/log.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

#include "base/printable.hpp"

namespace ipa {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::mutex g_mutex;

const char* prefix(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "?";
}

}  // namespace

void set_log_level(LogLevel level) {
  g_level.store(level);
}
bool log_enabled(LogLevel level) {
  return level >= g_level.load();
}

void log_line(LogLevel level, std::string_view message) {
  if (!log_enabled(level)) {
    return;
  }
  std::string line = "iris-port-agent: ";
  line += prefix(level);
  line += ": ";
  // One line whatever the message holds: a project path with a newline or an
  // escape sequence must neither split the line nor reach the terminal raw.
  line += printable(message);
  line += '\n';
  const std::lock_guard<std::mutex> guard(g_mutex);
  // Nowhere to report a failed write to stderr.
  (void)std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace ipa
