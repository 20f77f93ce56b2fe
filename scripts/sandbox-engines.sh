# shellcheck shell=bash
# Sourced by scripts/test and scripts/mutants: the engines the tests run against.
#
#   sandbox_engines_start   start, or reuse, the docker sandbox (scripts/docker-sandbox) and the
#                           Podman service (scripts/podman-sandbox); exports DOCKER_HOST,
#                           IPA_TEST_DOCKER_HOST and IPA_TEST_PODMAN_HOST. Non-zero on failure.
#   sandbox_engines_stop    stop each one this shell started, none that it reused (other runs
#                           may be using them). Non-zero if a stop failed.
#
# Needs ROOT (the repository). Call the stop from an EXIT trap so that it runs on failure too.

sandbox_engines_started=()

# sandbox_engine_start NAME VARIABLE...: starts scripts/NAME and exports its URL as each VARIABLE.
sandbox_engine_start() {
  local name=$1 report host rc=0 var
  shift
  report=$(mktemp)
  host=$(IPA_SANDBOX_REPORT=$report bash "$ROOT/scripts/$name" start) || rc=$?
  if [[ "$(cat "$report")" == started ]]; then
    sandbox_engines_started+=("$name")
  fi
  echo "$name: $host ($(cat "$report"))" >&2
  rm -f "$report"
  if ((rc)); then
    echo "$name: could not start it (scripts/$name start: exit $rc)" >&2
    return 1
  fi
  for var in "$@"; do
    export "$var=$host"
  done
}

sandbox_engines_start() {
  sandbox_engine_start docker-sandbox IPA_TEST_DOCKER_HOST DOCKER_HOST &&
    sandbox_engine_start podman-sandbox IPA_TEST_PODMAN_HOST
}

sandbox_engines_stop() {
  local name rc=0
  for name in "${sandbox_engines_started[@]}"; do
    bash "$ROOT/scripts/$name" stop || rc=1
  done
  sandbox_engines_started=()
  return "$rc"
}
