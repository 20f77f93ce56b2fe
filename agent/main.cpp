#include <CLI/CLI.hpp>

#include <iostream>

#include "agent/exit_codes.hpp"
#include "agent/one_shot_commands.hpp"
#include "agent/port_commands.hpp"
#include "agent/service_install.hpp"
#include "agent/watch_mode.hpp"
#include "base/decimal.hpp"
#include "base/log.hpp"
#include "config/version.hpp"
#include "registry/registry_file.hpp"

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
            const auto value = ipa::parse_decimal(text, minimum, maximum);
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

int main(int argc, char** argv) {
  using namespace ipa;
  CLI::App app(kDescription, "iris-port-agent");
  app.set_version_flag("--version", std::string("iris-port-agent ") + kVersion);
  app.fallthrough();

  ConfigOverrides flags;
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

  bool status_json = false;
  CLI::App* status =
      app.add_subcommand("status", "Print the registry's assignments (without taking the lock)");
  status->add_flag("--json", status_json, "Print JSON for programs instead of a table");

  CLI::App* repair = app.add_subcommand(
      "repair",
      "Restore the last good copy of a corrupt registry (keeping the corrupt bytes aside), then "
      "reconcile");

  AssignOptions assign_options;
  std::string port_range;
  CLI::App* assign = app.add_subcommand(
      "assign",
      "Give PROJECT_PATH a port (idempotent) and print it: PORT=$(iris-port-agent assign .)");
  assign
      ->add_option("PROJECT_PATH", assign_options.project_path,
                   "The project's directory (made absolute)")
      ->required();
  assign
      ->add_option("--port", assign_options.port,
                   "A manual port; fails naming the project that holds it")
      ->transform(decimal(1, 65535))
      ->type_name("PORT");
  assign->add_option("--range", port_range, "Ports for automatic assignment (default 1972-1981)")
      ->type_name("A-B");
  assign->add_flag("--json", assign_options.json, "Print the whole assignment as JSON");

  std::string release_path;
  CLI::App* release =
      app.add_subcommand("release", "Remove PROJECT_PATH's assignment (exit 1 if it has none)");
  release->add_option("PROJECT_PATH", release_path, "The project's directory (made absolute)")
      ->required();

  std::string get_path;
  bool get_json = false;
  CLI::App* get = app.add_subcommand("get", "Print PROJECT_PATH's port (exit 1 if it has none)");
  get->add_option("PROJECT_PATH", get_path, "The project's directory (made absolute)")->required();
  get->add_flag("--json", get_json, "Print the whole assignment as JSON");

  bool clear_confirmed = false;
  CLI::App* clear = app.add_subcommand("clear", "Remove every assignment (needs --yes)");
  clear->add_flag("--yes", clear_confirmed, "Really remove every assignment");
  ServiceOptions service_options;
  bool force_systemd = false;
  bool force_launchd = false;
  CLI::App* install_service = app.add_subcommand(
      "install-service",
      "Start the agent at login: write and enable a systemd user unit (Linux) or a launchd "
      "LaunchAgent (macOS)");
  CLI::App* uninstall_service = app.add_subcommand(
      "uninstall-service", "Stop and disable the login service and remove its file");
  for (CLI::App* service : {install_service, uninstall_service}) {
    service->add_flag("--dry-run", service_options.dry_run,
                      "Print what would be written (the file on stdout) and what would be run "
                      "(on stderr); change nothing");
    service->add_flag("--systemd", force_systemd,
                      "The systemd user unit, whatever this system is (default on Linux)");
    service->add_flag("--launchd", force_launchd,
                      "The launchd LaunchAgent, whatever this system is (default on macOS)");
  }
  install_service
      ->add_option("--exec-path", service_options.exec_path,
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
      return app.exit(error);  // --help, --version
    }
    log_error(usage_error_line(app, error));
    return kExitUsage;
  }

  if (install_service->parsed() || uninstall_service->parsed()) {
    if (force_systemd && force_launchd) {
      log_error("--systemd and --launchd exclude each other; give one (or neither)");
      return kExitUsage;
    }
    if (force_systemd || force_launchd) {
      service_options.manager = force_launchd ? ServiceManager::kLaunchd : ServiceManager::kSystemd;
    }
    // No config is loaded here: the service reads it itself when it starts.
    return install_service->parsed() ? run_install_service(service_options, flags)
                                     : run_uninstall_service(service_options);
  }

  auto config = load_config(flags, process_environment());
  if (!config) {
    log_error(config.error().message);
    return kExitUsage;
  }
  set_log_level(config->log_level);
  // Before any command creates anything beside the registry (lock, pid file).
  if (auto usable =
          check_registry_path(config->registry_path, RegistryAccess{config->allow_unsafe_registry});
      !usable) {
    log_error(usable.error().message);
    return exit_code_for(usable.error());
  }

  if (!port_range.empty()) {
    auto ranged = apply_config_json(std::move(*config), "{\"port_range\": \"" + port_range + "\"}",
                                    "--range");
    if (!ranged) {
      log_error(ranged.error().message);
      return kExitUsage;
    }
    config = std::move(ranged);
  }
  if (assign->parsed()) {
    return run_assign(*config, assign_options);
  }
  if (release->parsed()) {
    return run_release(*config, release_path);
  }
  if (get->parsed()) {
    return run_get(*config, get_path, get_json);
  }
  if (clear->parsed()) {
    return run_clear(*config, clear_confirmed);
  }
  if (status->parsed()) {
    return run_status(*config, status_json);
  }
  if (repair->parsed()) {
    return run_repair(*config);
  }
  if (once) {
    return run_once(*config);
  }
  return run_watch_mode(*config, flags);
}
