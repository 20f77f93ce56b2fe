#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/assignment.hpp"

namespace ipa {

// The assignments as the rules leave them, with one log line per decision.
// Rules read current() so that later decisions see earlier ones.
class Plan {
 public:
  explicit Plan(std::vector<Assignment> assignments);

  const std::vector<Assignment>& original() const { return original_; }
  const std::vector<Assignment>& current() const { return current_; }

  void set_status(std::size_t index, AssignmentStatus status, std::string_view why);
  void set_container_name(std::size_t index, const std::string& name, std::string_view why);
  void note(std::string line);

  bool changed() const;
  // Counts container_name writes, so matchers know when to rebuild.
  std::size_t name_version() const { return name_version_; }
  const std::vector<std::string>& log() const { return log_; }

  struct Summary {
    std::size_t total = 0;
    std::size_t unchanged = 0;
    std::size_t to_active = 0;
    std::size_t to_released = 0;
    std::size_t to_stale = 0;
    std::size_t backfilled = 0;  // container_name written (backfill or rename)
  };
  Summary summary() const;

 private:
  std::string describe(std::size_t index) const;

  std::vector<Assignment> original_;
  std::vector<Assignment> current_;
  std::vector<std::string> log_;
  std::size_t name_version_ = 0;
};

// "reconciled 12 assignments: 3 stale, 1 backfilled, 8 unchanged"
std::string to_string(const Plan::Summary& summary);

}  // namespace ipa
