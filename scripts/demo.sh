#!/usr/bin/env bash
# The whole costlink flow on this machine: `demo.sh up` builds the provider
# and the service, starts the AWS emulator (moto) and the service on
# loopback, and applies examples/demo; `demo.sh env` prints what reaches
# them from any directory (eval "$(scripts/demo.sh env)"); `demo.sh down`
# stops what up started. Everything lives in .demo/ (git ignores it;
# COSTLINK_DEMO_DIR moves it). Running up again reuses the running
# processes, so the second apply changes nothing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
state=${COSTLINK_DEMO_DIR:-$root/.demo}
bin="$root/bin"
moto_port=${COSTLINK_DEMO_MOTO_PORT:-5055}
api_port=${COSTLINK_DEMO_API_PORT:-8787}
moto_url="http://127.0.0.1:$moto_port"
api_url="http://127.0.0.1:$api_port"
# examples/demo runs here, through links to examples/: Terraform keeps the
# state beside the configuration, and the -state flag is deprecated.
work="$state/examples/demo"

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

# start NAME COMMAND...: runs COMMAND in the background, logging to
# $state/NAME.log, as the leader of a process group of its own, so that
# stop ends it with whatever it started (moto_server is often a script
# behind a pyenv shim) and Ctrl-C in this terminal does not. Job control
# (set -m) gives a background job its own group wherever bash runs; macOS
# has no setsid.
start() {
  local name=$1
  shift
  set -m
  "$@" >"$state/$name.log" 2>&1 &
  echo $! >"$state/$name.pid"
  set +m
}

# The emulator's credentials: moto maps keys it did not issue to its default
# account, which is the service's own; member accounts are reached by
# assuming OrganizationAccountAccessRole in them. env_exports prints the
# same settings.
aws_settings=("AWS_ENDPOINT_URL=$moto_url" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1)
aws_unset=(AWS_PROFILE AWS_SESSION_TOKEN)
aws_env() {
  export "${aws_settings[@]}"
  unset "${aws_unset[@]}"
}

# build: make build, counting the packages Go compiles; the first build
# compiles the AWS SDK and the plugin framework, which takes minutes.
build() {
  local log="$state/build.log" pid compiled=0
  say "Building the provider and costlink-server (the first build takes a few minutes; later ones seconds)"
  GOFLAGS="${GOFLAGS:+$GOFLAGS }-v" make -C "$root" --no-print-directory build >"$log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    compiled=$(grep -cv '^go build' "$log" || true)
    [[ -t 1 && $compiled -gt 0 ]] && printf '\r    %d packages compiled' "$compiled"
    sleep 1
  done
  wait "$pid" || { echo; tail -30 "$log" >&2; die "the build failed (log: $log)"; }
  compiled=$(grep -cv '^go build' "$log" || true)
  [[ $compiled -gt 0 ]] && printf '\r    %d packages compiled\n' "$compiled"
  return 0
}

# api_key ORG FILE: creates the organization ORG and an API key of it, once.
api_key() {
  [[ -s "$2" ]] && return 0
  say "Creating the organization $1 and its API key"
  (umask 077 && "$bin/costlink-server" keys create --db "$state/costlink.db" --org "$1" \
    --scopes connections:read,connections:write >"$2")
}

up() {
  for tool in go terraform moto_server curl; do
    command -v "$tool" >/dev/null || die "$tool is not on PATH (moto: pip install 'moto[server]')"
  done
  mkdir -p "$state" && chmod 700 "$state"
  export CHECKPOINT_DISABLE=1

  build

  aws_env
  if running moto; then
    say "AWS emulator already running on $moto_url"
  else
    port_free "$moto_port" || die "port $moto_port is taken: set COSTLINK_DEMO_MOTO_PORT"
    say "Starting the AWS emulator (moto) on $moto_url"
    MOTO_IAM_LOAD_MANAGED_POLICIES=true start moto moto_server -H 127.0.0.1 -p "$moto_port"
    wait_http "$moto_url/moto-api/" "moto" "$state/moto.log"
  fi

  # examples/demo's organization, and an empty one for the README's quick start.
  api_key demo "$state/api-key"
  api_key quickstart "$state/quickstart-api-key"
  if running server; then
    say "Connection service already running on $api_url"
  else
    port_free "$api_port" || die "port $api_port is taken: set COSTLINK_DEMO_API_PORT"
    say "Starting the connection service on $api_url"
    start server "$bin/costlink-server" serve --addr "127.0.0.1:$api_port" --db "$state/costlink.db" --check-interval 1m
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
  export TF_CLI_CONFIG_FILE="$state/terraform.rc" TF_IN_AUTOMATION=1
  export COSTLINK_API_URL="$api_url" COSTLINK_API_KEY
  COSTLINK_API_KEY=$(cat "$state/api-key")

  mkdir -p "$work"
  ln -sfn "$root/examples/modules" "$state/examples/modules"
  rm -f "$work"/*.tf
  ln -s "$root"/examples/demo/*.tf "$work/"
  # A demo started before the state moved here kept it in .demo/.
  [[ -f "$state/terraform.tfstate" && ! -e "$work/terraform.tfstate" ]] && mv "$state/terraform.tfstate" "$work/"
  tf=(terraform -chdir="$work")

  say "Applying examples/demo: a payer account and two member accounts"
  "${tf[@]}" get >/dev/null
  # The table is printed once, below: the apply's own Outputs section is cut.
  local applied=0
  "${tf[@]}" apply -auto-approve -input=false -compact-warnings 2>&1 |
    { grep -v -e 'dev_overrides' -e 'Provider development overrides' -e '^ - costlink/costlink' \
      -e 'may not match any released version' -e 'applying changes may cause the state' -e 'releases\.$' || true; } |
    sed '/^Outputs:/,$d' || applied=$?
  [[ $applied -eq 0 ]] || die "terraform apply failed"
  [[ -t 1 ]] && printf '\033[0m' # the colour the cut section would have reset

  echo
  "${tf[@]}" output -raw connections
  echo
  echo
  cat <<EOF
The connection service: $api_url (API key in $state/api-key; logs in $state/*.log)
Look further:
  $api_url/ui/   # the Connections page: sign in with the API key above
  curl -s -H "Authorization: Bearer \$(cat $state/api-key)" $api_url/v1/aws/connections
  eval "\$(scripts/demo.sh env)"   # then terraform reaches the demo from any directory (README: Quick start)
  terraform -chdir=$work output
Stop everything: make demo-down
EOF
}

# env: prints, for eval, what reaches the running demo from any directory.
env_exports() {
  running moto && running server || die "the demo is not running: start it with make demo"
  printf '# The local build of the provider, through dev_overrides (no terraform init needed):\n'
  sed 's/^/#   /' "$state/terraform.rc"
  printf 'export TF_CLI_CONFIG_FILE=%q\n' "$state/terraform.rc"
  printf '# The connection service, with the key of the organization "quickstart" (make demo fills "demo"):\n'
  printf 'export COSTLINK_API_URL=%q COSTLINK_API_KEY=%q\n' "$api_url" "$(cat "$state/quickstart-api-key")"
  printf '%s\n' "# AWS: the emulator; its default account is the service's, others are reached through OrganizationAccountAccessRole."
  printf 'export'; printf ' %q' "${aws_settings[@]}"; printf '\n'
  printf 'unset %s\n' "${aws_unset[*]}"
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
env) env_exports ;;
down) down ;;
*) die "usage: $0 up|env|down" ;;
esac
