#pragma once

#include <string>
#include <utility>
#include <variant>

namespace ipa {

// What went wrong, typed so that callers can map failures to the contract's
// exit codes without parsing messages.
enum class ErrorCode {
  kUsage,                // bad arguments or configuration (exit 2)
  kDockerUnreachable,    // the engine did not answer (exit 3)
  kLockTimeout,          // the registry lock stayed taken (exit 4)
  kLockBusy,             // a non-blocking lock attempt lost; try again later
  kRegistryCorrupt,      // the registry does not parse or has the wrong shape (exit 5)
  kRegistryUnsupported,  // schema_version major is not 1 (exit 5)
  kIo,                   // a file operation failed (disk full, permissions)
  kProtocol,             // the Docker engine answered something we cannot use
  kNotFound,             // the thing asked for does not exist
  kConflict,             // the thing asked for is held by someone else
};

struct Error {
  ErrorCode code;
  std::string message;  // one line: what failed, where, what to do
};

// A value or an Error. Exceptions are kept for the edges (main, CLI parsing);
// everywhere else the caller decides what a failure means.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};

// The value of a Result that only says "it worked": Result<Ok>.
inline Error make_error(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

}  // namespace ipa
