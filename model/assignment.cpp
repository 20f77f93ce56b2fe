#include "model/assignment.hpp"

#include "model/enum_names.hpp"

namespace ipa {
namespace {

constexpr EnumNames<AssignmentStatus, 3> kStatusNames{{
    {AssignmentStatus::kActive, "active"},
    {AssignmentStatus::kReleased, "released"},
    {AssignmentStatus::kStale, "stale"},
}};

}  // namespace

const char* to_string(AssignmentStatus status) {
  return name_of(kStatusNames, status);
}

std::optional<AssignmentStatus> parse_assignment_status(const std::string& text) {
  return value_named(kStatusNames, text);
}

}  // namespace ipa
