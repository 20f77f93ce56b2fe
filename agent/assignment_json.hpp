#pragma once

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <string>

#include "model/assignment.hpp"

namespace ipa {

using JsonWriter = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

// One assignment with the contract's keys, in the order iris-devtester's
// to_dict() writes them, for the commands' --json output.
void write_assignment(JsonWriter& writer, const Assignment& assignment);
std::string assignment_json(const Assignment& assignment);

}  // namespace ipa
