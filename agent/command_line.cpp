#include "agent/command_line.hpp"

#include <CLI/CLI.hpp>

#include "base/decimal.hpp"
#include "base/log.hpp"
#include "config/version.hpp"

namespace ipa {
namespace {

constexpr const char* kDescription =
    "iris-port-agent keeps iris-devtester's port registry true: it follows Docker's events and "
    "marks an assignment the moment its IRIS container dies or is removed.\n\n"
    "Without a command it watches until SIGINT/SIGTERM. Exit codes: 0 done, 2 usage or config "
    "error, 3 Docker unreachable, 4 lock timeout, 5 registry unreadable (corrupt or unsupported "
    "schema), 1 anything else.";

// A century: longer is a typo, and the clock arithmetic stays far from overflow.
constexpr std::int64_t kMaxGraceSeconds = std::int64_t{100} * 365 * 24 * 3600;

// Decimal digits only, everywhere: CLI11 alone reads "02000" as octal and
// "0x7b6" as hex.
CLI::Validator decimal(std::int64_t minimum, std::int64_t maximum) {
  return {[=](std::string& text) -> std::string {
            const auto value = parse_decimal(text, minimum, maximum);
            if (!value) {
              return "'" + text + "' is not a whole number from " + std::to_string(minimum) +
                     " to " + std::to_string(maximum) + " in decimal digits";
            }
            text = std::to_string(*value);
            return "";
          },
          "", "decimal"};
}

// CLI11's own report is two lines without the program's name; this is one,
// with the help of the command that was being parsed.
std::string usage_error_line(const CLI::App& app, const CLI::ParseError& error) {
  std::string help = "iris-port-agent --help";
  for (const CLI::App* command : app.get_subcommands()) {
    help = "iris-port-agent " + command->get_name() + " --help";
  }
  return std::string(error.what()) + "; see `" + help + "`";
}

}  // namespace

std::variant<Invocation, ExitCode> parse_command_line(int argc, char** argv) {
  CLI::App app(kDescription, "iris-port-agent");
  app.set_version_flag("--version", std::string("iris-port-agent ") + kVersion);
  app.fallthrough();

  Invocation invocation;
  ConfigOverrides& flags = invocation.flags;
  app.add_option("--registry", flags.registry_path,
                 "Registry file (else $IRIS_PORT_REGISTRY, else "
                 "~/.iris-devtester/port-registry.json)")
      ->type_name("PATH");
  CLI::Option* docker_host =
      app.add_option("--docker-host", flags.docker_host,
                     "Docker endpoint: unix:///path, tcp://host:port or ssh://[user@]host "
                     "(else $DOCKER_HOST, else the docker context, else "
                     "unix:///var/run/docker.sock)")
          ->type_name("URL");
  app.add_option("--context", flags.docker_context,
                 "Docker context to watch, as in 'docker --context' (else $DOCKER_CONTEXT, else "
                 "currentContext in $DOCKER_CONFIG/config.json)")
      ->type_name("NAME")
      ->excludes(docker_host);
  app.add_option("--grace", flags.grace_seconds,
                 "Seconds an assignment without container_name may wait for its container "
                 "(default 600)")
      ->transform(decimal(0, kMaxGraceSeconds))
      ->type_name("SECONDS");
  app.add_option("--config", flags.config_file,
                 "JSON config file (else ~/.config/iris-port-agent/config.json if present)")
      ->type_name("FILE");
  app.add_option("--log-level", flags.log_level, "debug, info, warning or error (default info)")
      ->type_name("LEVEL");
  app.add_flag("--allow-unsafe-registry", flags.allow_unsafe_registry,
               "Accept a registry that is a symlink or owned by another user");
  bool once = false;
  app.add_flag("--once", once, "Reconcile once against Docker's container list and exit");

  CLI::App* status =
      app.add_subcommand("status", "Print the registry's assignments (without taking the lock)");
  status->add_flag("--json", invocation.json, "Print JSON for programs instead of a table");

  CLI::App* repair = app.add_subcommand(
      "repair",
      "Restore the last good copy of a corrupt registry (keeping the corrupt bytes aside), then "
      "reconcile");

  CLI::App* assign = app.add_subcommand(
      "assign",
      "Give PROJECT_PATH a port (idempotent) and print it: PORT=$(iris-port-agent assign .)");
  assign
      ->add_option("PROJECT_PATH", invocation.assign.project_path,
                   "The project's directory (made absolute)")
      ->required();
  assign
      ->add_option("--port", invocation.assign.port,
                   "A manual port; fails naming the project that holds it")
      ->transform(decimal(1, 65535))
      ->type_name("PORT");
  assign
      ->add_option("--range", invocation.port_range,
                   "Ports for automatic assignment (default 1972-1981)")
      ->type_name("A-B");
  assign->add_flag("--json", invocation.assign.json, "Print the whole assignment as JSON");

  CLI::App* release =
      app.add_subcommand("release", "Remove PROJECT_PATH's assignment (exit 1 if it has none)");
  release
      ->add_option("PROJECT_PATH", invocation.project_path,
                   "The project's directory (made absolute)")
      ->required();

  CLI::App* get = app.add_subcommand("get", "Print PROJECT_PATH's port (exit 1 if it has none)");
  get->add_option("PROJECT_PATH", invocation.project_path,
                  "The project's directory (made absolute)")
      ->required();
  get->add_flag("--json", invocation.json, "Print the whole assignment as JSON");

  CLI::App* clear = app.add_subcommand("clear", "Remove every assignment (needs --yes)");
  clear->add_flag("--yes", invocation.clear_confirmed, "Really remove every assignment");
  bool force_systemd = false;
  bool force_launchd = false;
  CLI::App* install_service = app.add_subcommand(
      "install-service",
      "Start the agent at login: write and enable a systemd user unit (Linux) or a launchd "
      "LaunchAgent (macOS)");
  CLI::App* uninstall_service = app.add_subcommand(
      "uninstall-service", "Stop and disable the login service and remove its file");
  for (CLI::App* service : {install_service, uninstall_service}) {
    service->add_flag("--dry-run", invocation.service.dry_run,
                      "Print what would be written (the file on stdout) and what would be run "
                      "(on stderr); change nothing");
    service->add_flag("--systemd", force_systemd,
                      "The systemd user unit, whatever this system is (default on Linux)");
    service->add_flag("--launchd", force_launchd,
                      "The launchd LaunchAgent, whatever this system is (default on macOS)");
  }
  install_service
      ->add_option("--exec-path", invocation.service.exec_path,
                   "The binary the service starts (default: this one, by its absolute path)")
      ->type_name("PATH");

  for (CLI::App* command : app.get_subcommands({})) {
    command->footer(
        "The common options (--registry, --docker-host, --context, --grace, --config, "
        "--log-level) work "
        "before or after the command; see iris-port-agent --help.");
  }
  install_service->footer(
      "The service starts the agent with the common options given here (--registry, "
      "--docker-host, --context, --config, --grace, --log-level; paths made absolute) and with "
      "this shell's $IRIS_PORT_REGISTRY, $DOCKER_HOST, $DOCKER_CONTEXT, $DOCKER_CONFIG, "
      "$DOCKER_TLS_VERIFY, $DOCKER_TLS, $DOCKER_CERT_PATH and $DOCKER_API_VERSION, so it "
      "watches what this shell's docker CLI sees. Running it again rewrites the file and "
      "restarts the service.");
  app.footer(
      "Run 'iris-port-agent COMMAND --help' for a command's options. Documentation: man "
      "iris-port-agent, README.md.");
  app.require_subcommand(0, 1);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    if (error.get_exit_code() == 0) {
      app.exit(error);  // --help, --version
      return kExitOk;
    }
    log_error(usage_error_line(app, error));
    return kExitUsage;
  }

  if (force_systemd && force_launchd) {
    log_error("--systemd and --launchd exclude each other; give one (or neither)");
    return kExitUsage;
  }
  if (force_systemd || force_launchd) {
    invocation.service.manager =
        force_launchd ? ServiceManager::kLaunchd : ServiceManager::kSystemd;
  }
  const std::pair<CLI::App*, Command> commands[] = {
      {status, Command::kStatus},
      {repair, Command::kRepair},
      {assign, Command::kAssign},
      {release, Command::kRelease},
      {get, Command::kGet},
      {clear, Command::kClear},
      {install_service, Command::kInstallService},
      {uninstall_service, Command::kUninstallService}};
  for (const auto& [app_command, command] : commands) {
    if (app_command->parsed()) {
      invocation.command = command;
    }
  }
  if (invocation.command == Command::kWatch && once) {
    invocation.command = Command::kOnce;
  }
  return invocation;
}

}  // namespace ipa
