#include "agent/exit_codes.hpp"

namespace ipa {

ExitCode exit_code_for(const Error& error) {
  switch (error.code) {
    case ErrorCode::kUsage:
      return kExitUsage;
    case ErrorCode::kDockerUnreachable:
    case ErrorCode::kProtocol:
      return kExitDockerUnreachable;
    case ErrorCode::kLockTimeout:
    case ErrorCode::kLockBusy:
      return kExitLockTimeout;
    case ErrorCode::kRegistryCorrupt:
    case ErrorCode::kRegistryUnsupported:
      return kExitRegistryUnreadable;
    case ErrorCode::kIo:
    case ErrorCode::kNotFound:
    case ErrorCode::kConflict:
      return kExitFailure;
  }
  return kExitFailure;
}

}  // namespace ipa
