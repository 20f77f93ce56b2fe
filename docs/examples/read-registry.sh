#!/bin/sh
# Read the IRIS port registry through `iris-port-agent status --json` (no lock, retries
# built in) and say whether an agent keeps it true.
#
#   read-registry.sh [REGISTRY]
#
# Prints "watching<TAB>PID" or "not-watching", then STATUS<TAB>PORT<TAB>PROJECT per
# assignment. Needs iris-port-agent and jq on PATH.
set -eu

status=$(iris-port-agent status --json ${1:+--registry "$1"})

pid=$(printf '%s\n' "$status" | jq -r '.agent.pid // empty')
if [ -n "$pid" ]; then
  printf 'watching\t%s\n' "$pid"
else
  echo not-watching
fi
printf '%s\n' "$status" | jq -r '.assignments[] | [.status, (.port | tostring), .project_path] | @tsv'
