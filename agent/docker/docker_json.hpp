#pragma once

#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "model/container.hpp"

namespace ipa {

// One line of the /events stream. Reads Type, Action, Actor.ID,
// Actor.Attributes and timeNano only (the legacy fields are gone in API 1.52).
Result<Event> parse_event_line(std::string_view line);

// The body of GET /containers/json?all=1.
Result<std::vector<Container>> parse_container_list(std::string_view body);

}  // namespace ipa
