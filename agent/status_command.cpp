#include "agent/status_command.hpp"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <iostream>

#include "agent/agent_note.hpp"
#include "agent/assignment_json.hpp"
#include "agent/exit_codes.hpp"
#include "agent/instance_lock.hpp"
#include "agent/passive_read.hpp"
#include "base/log.hpp"
#include "base/printable.hpp"
#include "registry/registry_file.hpp"

namespace ipa {
namespace {

// The running agent (pid 0: none), and its note when the registry's note is
// its own. The note's last change outlives the agent that wrote it.
struct AgentState {
  long pid = 0;
  std::optional<AgentNote> note;  // the running agent's, or nullopt
  std::string last_change_at;     // from whichever agent wrote the note
};

AgentState agent_state(const Config& config, const LoadedRegistry& loaded) {
  AgentState agent;
  agent.pid = InstanceLock::running_agent_pid(config.registry_path);
  const auto json = loaded.registry.agent_json();
  auto note = json ? parse_agent_note(*json) : std::nullopt;
  if (!note) {
    return agent;
  }
  agent.last_change_at = note->last_change_at;
  if (agent.pid != 0 && note->pid == agent.pid) {
    agent.note = std::move(note);
  }
  return agent;
}

// "unix:///x (context y)" or "unix:///x"; empty when the note names no engine.
std::string engine_text(const AgentState& agent) {
  if (!agent.note || agent.note->endpoint.empty()) {
    return "";
  }
  const AgentNote& note = *agent.note;
  return note.endpoint + (note.context.empty() ? "" : " (context " + note.context + ")");
}

void print_table(const Config& config, const LoadedRegistry& loaded, const AgentState& agent) {
  std::cout << "registry: " << printable(config.registry_path)
            << (loaded.existed ? "" : " (not created yet)") << "\n";
  const std::string last = printable(agent.last_change_at);
  if (agent.pid != 0) {
    const std::string engine = engine_text(agent);
    std::cout << "agent: running (pid " << agent.pid << ")"
              << (engine.empty() ? "" : ", watching " + printable(engine))
              << (last.empty() ? "" : ", last change at " + last) << "\n";
  } else {
    std::cout << "agent: not running" << (last.empty() ? "" : " (last change at " + last + ")")
              << "\n";
  }
  const auto assignments = loaded.registry.assignments();
  if (assignments.empty()) {
    std::cout << "no assignments\n";
    return;
  }
  const std::vector<std::string> headers = {"PROJECT", "PORT", "STATUS", "CONTAINER", "ASSIGNED"};
  std::vector<std::vector<std::string>> rows;
  rows.reserve(assignments.size());
  for (const Assignment& assignment : assignments) {
    // Escaped: a newline in a path must not split its row, nor an escape
    // sequence reach the terminal.
    rows.push_back({printable(assignment.project_path), std::to_string(assignment.port),
                    to_string(assignment.status),
                    printable(assignment.container_name.value_or("-")),
                    printable(assignment.assigned_at)});
  }
  std::vector<std::size_t> widths(headers.size());
  for (std::size_t column = 0; column < headers.size(); ++column) {
    widths[column] = headers[column].size();
    for (const auto& row : rows) {
      widths[column] = std::max(widths[column], row[column].size());
    }
  }
  const auto print_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t column = 0; column < cells.size(); ++column) {
      line += cells[column];
      if (column + 1 < cells.size()) {
        line += std::string(widths[column] - cells[column].size() + 2, ' ');
      }
    }
    std::cout << line << "\n";
  };
  print_row(headers);
  for (const auto& row : rows) {
    print_row(row);
  }
}

void print_json(const Config& config, const LoadedRegistry& loaded, const AgentState& agent) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  writer.SetIndent(' ', 2);
  writer.StartObject();
  writer.Key("registry");
  writer.String(config.registry_path);
  writer.Key("agent");
  if (agent.pid != 0) {
    writer.StartObject();
    writer.Key("pid");
    writer.Int64(agent.pid);
    writer.Key("last_change_at");
    agent.last_change_at.empty() ? writer.Null() : writer.String(agent.last_change_at);
    writer.Key("engine");
    if (engine_text(agent).empty()) {
      writer.Null();
    } else {
      writer.StartObject();
      write_engine_address(writer, *agent.note);
      writer.EndObject();
    }
    writer.EndObject();
  } else {
    writer.Null();
  }
  writer.Key("assignments");
  writer.StartArray();
  for (const Assignment& assignment : loaded.registry.assignments()) {
    write_assignment(writer, assignment);
  }
  writer.EndArray();
  writer.EndObject();
  std::cout << buffer.GetString() << std::endl;
}

}  // namespace

int run_status(const Config& config, bool json) {
  auto loaded =
      load_registry_passively(config.registry_path, RegistryAccess{config.allow_unsafe_registry});
  if (!loaded) {
    log_error(loaded.error().message);
    return exit_code_for(loaded.error());
  }
  const AgentState agent = agent_state(config, *loaded);
  if (json) {
    print_json(config, *loaded, agent);
  } else {
    print_table(config, *loaded, agent);
  }
  return kExitOk;
}

}  // namespace ipa
