#pragma once

#include <string>
#include <variant>

#include "agent/exit_codes.hpp"
#include "agent/port_commands.hpp"
#include "agent/service_install.hpp"
#include "config/config.hpp"

namespace ipa {

enum class Command {
  kWatch,
  kOnce,
  kStatus,
  kRepair,
  kAssign,
  kRelease,
  kGet,
  kClear,
  kInstallService,
  kUninstallService,
};

// What the command line asks for. Which fields a command reads is in main's
// dispatch; the rest keep their defaults.
struct Invocation {
  Command command = Command::kWatch;
  ConfigOverrides flags;  // the common options, for every command
  bool json = false;      // status, get
  AssignOptions assign;
  std::string port_range;    // assign --range
  std::string project_path;  // release, get
  bool clear_confirmed = false;
  ServiceOptions service;  // install-service, uninstall-service
};

// The command line as CLI11 declares it. --help and --version print and give
// kExitOk; a usage error is logged as one line naming the command's --help
// and gives kExitUsage.
std::variant<Invocation, ExitCode> parse_command_line(int argc, char** argv);

}  // namespace ipa
