#pragma once

#include <string>
#include <vector>

namespace ipa {

// argv as one line for messages: the words joined by spaces.
std::string command_text(const std::vector<std::string>& argv);

// True when `program` is an executable in one of $PATH's directories.
bool on_path(const std::string& program);

// Runs a command with the terminal's output (or none, when quiet). Returns
// its exit status, or -1 when it could not be started.
int run_command(const std::vector<std::string>& argv, bool quiet);

}  // namespace ipa
