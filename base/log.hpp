#pragma once

#include <string_view>

namespace ipa {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// One line per call to stderr, prefixed with the level. Thread-safe: registry
// writes run on libuv's thread pool.
void set_log_level(LogLevel level);
bool log_enabled(LogLevel level);
void log_line(LogLevel level, std::string_view message);

inline void log_debug(std::string_view m) {
  log_line(LogLevel::kDebug, m);
}
inline void log_info(std::string_view m) {
  log_line(LogLevel::kInfo, m);
}
inline void log_warn(std::string_view m) {
  log_line(LogLevel::kWarn, m);
}
inline void log_error(std::string_view m) {
  log_line(LogLevel::kError, m);
}

}  // namespace ipa
