#pragma once

#include "base/result.hpp"

namespace ipa {

// The contract's exit codes.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,  // something not covered below (e.g. disk full); `get`/`release` of nothing
  kExitUsage = 2,
  kExitDockerUnreachable = 3,
  kExitLockTimeout = 4,
  kExitRegistryUnreadable = 5,
};

ExitCode exit_code_for(const Error& error);

}  // namespace ipa
