#include "agent/once_command.hpp"

#include <iostream>

#include "agent/configured_engine.hpp"
#include "agent/container_snapshot.hpp"
#include "agent/exit_codes.hpp"
#include "agent/reconcile_job.hpp"
#include "base/log.hpp"

namespace ipa {

int run_once(const Config& config) {
  auto engine = resolve_configured_engine(config);
  if (!engine) {
    log_error(engine.error().message);
    return kExitUsage;
  }
  // The list comes first so that the lock is held only for the read-modify-write.
  auto containers = fetch_container_list(*engine);
  if (!containers) {
    log_error(containers.error().message);
    return exit_code_for(containers.error());
  }
  std::vector<PendingStep> steps;
  steps.emplace_back(std::make_shared<const std::vector<Container>>(std::move(*containers)));
  const ReconcileJob job = reconcile_job_for(config, std::move(steps));
  WriterMemory memory;
  const ReconcileResult result =
      run_reconcile_job(config.registry_path, job,
                        LockWait{std::chrono::milliseconds(config.lock_timeout_ms)}, memory);
  if (!result.outcome) {
    log_error(result.outcome.error().message);
    return exit_code_for(result.outcome.error());
  }
  for (const std::string& line : result.decisions) {
    log_info(line);
  }
  std::cout << to_string(result.summary) << std::endl;
  return kExitOk;
}

}  // namespace ipa
