#!/usr/bin/env bash
# The whole costlink flow on this machine: `demo.sh up` builds the provider
# and the service, starts the AWS emulator (moto) and the service on
# loopback, and applies examples/demo; `demo.sh down` stops what up started.
# Everything lives in .demo/ (git ignores it). Running up again reuses the
# running processes, so the second apply changes nothing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
state="$root/.demo"
bin="$root/bin"
moto_port=${COSTLINK_DEMO_MOTO_PORT:-5055}
api_port=${COSTLINK_DEMO_API_PORT:-8787}
moto_url="http://127.0.0.1:$moto_port"
api_url="http://127.0.0.1:$api_port"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

# running NAME: whether the process in $state/NAME.pid is alive.
running() { [[ -f "$state/$1.pid" ]] && kill -0 "$(cat "$state/$1.pid")" 2>/dev/null; }

# wait_http URL WHAT LOG: until URL answers, or fail showing the log.
wait_http() {
  for _ in $(seq 1 150); do
    curl -fs -o /dev/null "$1" && return 0
    sleep 0.2
  done
  tail -20 "$3" >&2
  die "$2 did not answer on $1 (log: $3)"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The emulator's credentials: moto maps keys it did not issue to its default
# account, which is the service's own; member accounts are reached by
# assuming OrganizationAccountAccessRole in them.
aws_env() {
  export AWS_ENDPOINT_URL="$moto_url" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
  unset AWS_PROFILE AWS_SESSION_TOKEN
}

up() {
  for tool in go terraform moto_server curl setsid; do
    command -v "$tool" >/dev/null || die "$tool is not on PATH (moto: pip install 'moto[server]')"
  done
  mkdir -p "$state" && chmod 700 "$state"
  export CHECKPOINT_DISABLE=1

  say "Building the provider and costlink-server"
  make -C "$root" --no-print-directory build >/dev/null

  aws_env
  if running moto; then
    say "AWS emulator already running on $moto_url"
  else
    port_free "$moto_port" || die "port $moto_port is taken: set COSTLINK_DEMO_MOTO_PORT"
    say "Starting the AWS emulator (moto) on $moto_url"
    MOTO_IAM_LOAD_MANAGED_POLICIES=true setsid moto_server -H 127.0.0.1 -p "$moto_port" >"$state/moto.log" 2>&1 &
    echo $! >"$state/moto.pid"
    wait_http "$moto_url/moto-api/" "moto" "$state/moto.log"
  fi

  if [[ ! -s "$state/api-key" ]]; then
    say "Creating the demo organization and its API key"
    (umask 077 && "$bin/costlink-server" keys create --db "$state/costlink.db" --org demo \
      --scopes connections:read,connections:write >"$state/api-key")
  fi
  if running server; then
    say "Connection service already running on $api_url"
  else
    port_free "$api_port" || die "port $api_port is taken: set COSTLINK_DEMO_API_PORT"
    say "Starting the connection service on $api_url"
    setsid "$bin/costlink-server" serve --addr "127.0.0.1:$api_port" --db "$state/costlink.db" \
      --check-interval 1m >"$state/server.log" 2>&1 &
    echo $! >"$state/server.pid"
    wait_http "$api_url/healthz" "the connection service" "$state/server.log"
  fi

  # The local build, through dev_overrides: nothing is downloaded.
  cat >"$state/terraform.rc" <<EOF
provider_installation {
  dev_overrides {
    "costlink/costlink" = "$bin"
  }
  direct {}
}
EOF
  export TF_CLI_CONFIG_FILE="$state/terraform.rc" TF_DATA_DIR="$state/terraform" TF_IN_AUTOMATION=1
  export COSTLINK_API_URL="$api_url" COSTLINK_API_KEY
  COSTLINK_API_KEY=$(cat "$state/api-key")
  tf=(terraform -chdir="$root/examples/demo")

  say "Applying examples/demo: a payer account and two member accounts"
  "${tf[@]}" get >/dev/null
  "${tf[@]}" apply -auto-approve -input=false -compact-warnings -state="$state/terraform.tfstate" 2>&1 |
    grep -v -e 'dev_overrides' -e 'Provider development overrides' -e '^ - costlink/costlink' \
      -e 'may not match any released version' -e 'applying changes may cause the state' -e 'releases\.$' || true
  [[ ${PIPESTATUS[0]} -eq 0 ]] || die "terraform apply failed"

  echo
  "${tf[@]}" output -state="$state/terraform.tfstate" -raw connections
  echo
  echo
  cat <<EOF
The connection service: $api_url (API key in .demo/api-key; logs in .demo/*.log)
Look further:
  curl -s -H "Authorization: Bearer \$(cat .demo/api-key)" $api_url/v1/aws/connections
  TF_CLI_CONFIG_FILE=.demo/terraform.rc TF_DATA_DIR=.demo/terraform terraform -chdir=examples/demo output -state=$state/terraform.tfstate
Stop everything: make demo-down
EOF
}

# stop NAME: end the process group of $state/NAME.pid and wait for it.
stop() {
  running "$1" || { rm -f "$state/$1.pid"; return 0; }
  local pid
  pid=$(cat "$state/$1.pid")
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$state/$1.pid"
  say "Stopped $1 (pid $pid)"
}

down() {
  stop server
  stop moto
  # The emulator's accounts are gone with it, so the rest of the demo is too.
  rm -rf "$state"
}

case "${1:-}" in
up) up ;;
down) down ;;
*) die "usage: $0 up|down" ;;
esac
