#include "agent/service_file.hpp"

#include <map>
#include <string>
#include <vector>

#include "packaging/service_templates.hpp"

namespace ipa {
namespace {

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// One word of a systemd command line or assignment (systemd.syntax(7)):
// quoted when it holds anything but plain characters, with "%" doubled so
// it is not a specifier and, in ExecStart=, "$" doubled so it is not a
// variable.
std::string systemd_word(const std::string& word, bool in_command_line) {
  const bool plain = !word.empty() && word.find_first_not_of(
                                          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                          "0123456789/._:+@=,-") == std::string::npos;
  if (plain) {
    return word;
  }
  std::string quoted = "\"";
  for (const char c : word) {
    switch (c) {
      case '\\':
      case '"':
        quoted += '\\';
        quoted += c;
        break;
      case '\n':
        quoted += "\\n";
        break;
      case '%':
        quoted += "%%";
        break;
      case '$':
        quoted += in_command_line ? "$$" : "$";
        break;
      default:
        quoted += c;
    }
  }
  return quoted + "\"";
}

std::string xml_text(const std::string& text) {
  std::string escaped;
  for (const char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

std::string render_systemd(const std::string& exec_path, const std::vector<std::string>& arguments,
                           const std::map<std::string, std::string>& environment) {
  std::string exec_start = systemd_word(exec_path, true);
  for (const std::string& argument : arguments) {
    exec_start += ' ';
    exec_start += systemd_word(argument, true);
  }
  std::string environment_lines;
  for (const auto& [name, value] : environment) {
    environment_lines += "Environment=";
    std::string assignment = name;
    assignment += '=';
    assignment += value;
    environment_lines += systemd_word(assignment, false);
    environment_lines += '\n';
  }
  std::string unit = kSystemdUnitTemplate;
  replace_all(unit, "{{ENVIRONMENT}}", environment_lines);
  replace_all(unit, "{{EXEC_START}}", exec_start);
  return unit;
}

std::string render_launchd(const std::string& exec_path, const std::vector<std::string>& arguments,
                           const std::map<std::string, std::string>& environment,
                           const std::string& home) {
  std::string program_arguments = "    <string>" + xml_text(exec_path) + "</string>\n";
  for (const std::string& argument : arguments) {
    program_arguments += "    <string>" + xml_text(argument) + "</string>\n";
  }
  std::string environment_dict;
  if (!environment.empty()) {
    environment_dict = "  <key>EnvironmentVariables</key>\n  <dict>\n";
    for (const auto& [name, value] : environment) {
      environment_dict +=
          "    <key>" + xml_text(name) + "</key>\n    <string>" + xml_text(value) + "</string>\n";
    }
    environment_dict += "  </dict>\n";
  }
  std::string plist = kLaunchdPlistTemplate;
  replace_all(plist, "{{PROGRAM_ARGUMENTS}}", program_arguments);
  replace_all(plist, "{{ENVIRONMENT}}", environment_dict);
  // launchd does not expand "~", so the log path is written out.
  replace_all(plist, "{{LOG_PATH}}", xml_text(home + "/Library/Logs/iris-port-agent.log"));
  return plist;
}

}  // namespace

std::string render_service_file(ServiceManager manager, const std::string& exec_path,
                                const std::vector<std::string>& agent_arguments,
                                const std::map<std::string, std::string>& environment,
                                const std::string& home) {
  return manager == ServiceManager::kLaunchd
             ? render_launchd(exec_path, agent_arguments, environment, home)
             : render_systemd(exec_path, agent_arguments, environment);
}

}  // namespace ipa
