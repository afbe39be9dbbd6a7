#!/usr/bin/env bash
# msehome's acceptance run: proves, once, that msehome works on this SGX host (and is what to run,
# with --log, when reporting a hardware problem). From this checkout it runs, as the two actors
# would: doctor, the SGX base image build, scaffold, package, spawn, verify --package (and that the
# dry-run MRENCLAVE is the quote's), seal, run, test, a result fetched over RA-TLS and decrypted,
# and a restart that serves with the same certificate and secrets without a new run. It prints one
# line per step (✓ or ✗, time) and exits 0 only when every step passed; whatever it created (app
# container, images, PCCS, workspace) is removed on any exit.
#
# Usage: scripts/sgx-acceptance.sh [--simulation] [--size MB] [--pccs URL] [--pccs-insecure-tls]
#          [--allow-outdated-tcb] [--allow-sw-hardening-needed] [--allow-configuration-needed]
#          [--keep] [--log FILE]
#   --simulation       the same commands on a simulated SGX platform with its own simulated PCCS,
#                      and the simulation base image instead of building the SGX one
#   --size MB          enclave size (default 2048, the least a Node app needs on SGX hardware)
#   --pccs URL         the PCCS for doctor and spawn (default: pccs_url of /etc/sgx_default_qcnl.conf)
#   --pccs-insecure-tls  accept that PCCS's self-signed certificate
#   --allow-*          passed to verify, for a platform whose TCB status is not UpToDate
#   --keep             keep the workspace and a base image this run built
#   --log FILE         write the environment and every step's output to FILE (attach it to a report)
# DOCKER_HOST names the Docker engine, as for msehome.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/flow.sh

usage() {
  sed -n '10,21p' "$0" | sed 's/^# \{0,1\}//'
}

mode=sgx
size=2048
keep=0
log_file=""
pccs_flags=()
verify_flags=()
while [ $# -gt 0 ]; do
  case "$1" in
    --simulation) mode=simulation ;;
    --size)
      [ $# -ge 2 ] || { echo "sgx-acceptance: --size needs a number of MB" >&2; exit 2; }
      size="$2"
      shift
      ;;
    --pccs)
      [ $# -ge 2 ] || { echo "sgx-acceptance: --pccs needs a URL" >&2; exit 2; }
      pccs_flags+=(--pccs "$2")
      shift
      ;;
    --pccs-insecure-tls) pccs_flags+=(--pccs-insecure-tls) ;;
    --allow-outdated-tcb | --allow-sw-hardening-needed | --allow-configuration-needed) verify_flags+=("$1") ;;
    --keep) keep=1 ;;
    --log)
      [ $# -ge 2 ] || { echo "sgx-acceptance: --log needs a file" >&2; exit 2; }
      [ -d "$(dirname "$2")" ] || { echo "sgx-acceptance: --log $2: no such directory" >&2; exit 2; }
      log_file="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "sgx-acceptance: unknown option $1 (see --help)" >&2
      exit 2
      ;;
  esac
  shift
done
if [ "$mode" = simulation ] && [ ${#pccs_flags[@]} -gt 0 ]; then
  echo "sgx-acceptance: --simulation starts its own simulated PCCS; --pccs is for SGX hardware" >&2
  exit 2
fi

version="$(node -p 'require("./package.json").version')"
if [ "$mode" = simulation ]; then
  base_tag="msehome/base:${version}-simulation"
  where="on a simulated SGX platform"
  sim_flag=(--simulation)
else
  base_tag="msehome/base:${version}"
  where="on this SGX host"
  sim_flag=()
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/msehome-acceptance.XXXXXX")"
provider="$work/code_provider"
operator="$work/sgx_operator"
logs="$work/logs"
mkdir -p "$provider" "$operator" "$logs"
app="acceptance-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
base_existed=1
started_ms=$(date +%s%3N)

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  {
    remove_app "$app"
    remove_image "msehome-package/$app:latest"
    if [ "$base_existed" = 0 ] && [ "$keep" = 0 ]; then remove_image "$base_tag"; fi
    if stop_sim_pccs; then echo "stopped the simulated PCCS"; fi
  } >>"$logs/cleanup.log" 2>&1 || true
  if [ -n "$log_file" ]; then
    for file in "$logs"/*.log; do
      printf '\n===== %s =====\n' "$(basename "$file" .log)"
      cat "$file"
    done >"$log_file" 2>/dev/null || true
    echo "Log: $log_file"
  fi
  if [ "$keep" = 1 ]; then
    echo "Kept the workspace $work"
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

seconds_since() { awk -v ms=$(($(date +%s%3N) - $1)) 'BEGIN { printf "%.1f", ms / 1000 }'; }

# run_step NAME [--here] FUNCTION: runs the step with its output in its own log, and prints ✓ or ✗
# with the time. A step runs in a subshell with errexit on, so any failing command fails it (--here
# runs it in this shell, for a step that starts something the later steps use). Nothing runs after
# a failed step: each step needs the ones before it.
passed=0
run_step() {
  local name="$1" here=0
  shift
  if [ "$1" = --here ]; then
    here=1
    shift
  fi
  local log start status
  log="$logs/$(printf '%02d' $((passed + 1)))-${name//[^a-zA-Z0-9]/-}.log"
  start=$(date +%s%3N)
  printf '$ %s\n' "$*" >"$log"
  set +e
  if [ "$here" = 1 ]; then
    "$@" >>"$log" 2>&1
  else
    (
      set -e
      "$@"
    ) >>"$log" 2>&1
  fi
  status=$?
  set -e
  if [ "$status" = 0 ]; then
    passed=$((passed + 1))
    remaining=("${remaining[@]:1}")
    printf '  ✓ %-28s %7s s\n' "$name" "$(seconds_since "$start")"
    return 0
  fi
  printf '  ✗ %-28s %7s s\n' "$name" "$(seconds_since "$start")"
  report_failure "$name" "$status" "$log"
}

# The steps after a failure are listed as not run; the failing step's last lines go to stderr.
report_failure() {
  local name="$1" status="$2" log="$3"
  for step in "${remaining[@]:1}"; do
    printf '  - %-28s %9s\n' "$step" "not run"
  done
  local sentence
  sentence="$(grep -E '^error: ' "$log" | tail -n 1 || true)"
  [ -n "$sentence" ] || sentence="$(grep -v '^\s*$' "$log" | tail -n 1 || true)"
  echo "FAILED at step \"$name\" (exit $status): ${sentence#error: }"
  {
    echo "--- the last lines of step \"$name\" ($log) ---"
    tail -n 30 "$log"
  } >&2
  exit 1
}

# Each step, as a function run in its own subshell from the workspace.
in_provider() { cd "$provider" && "$@"; }
in_operator() { cd "$operator" && "$@"; }

step_platform() { in_operator msehome_cli sim init --dir sim-platform; }
step_pccs() {
  # Run --here: the PCCS must outlive the step; cleanup stops it.
  start_sim_pccs "$operator/sim-platform" "$operator/pccs.log" || { cat "$operator/pccs.log"; return 1; }
  echo "PCCS at $pccs_url"
}
step_doctor() {
  if [ "$mode" = simulation ]; then
    in_operator msehome_cli doctor --simulation --platform sim-platform --pccs "$pccs_url"
  else
    in_operator msehome_cli doctor "${pccs_flags[@]}"
  fi
}
step_base_image() {
  if [ "$mode" = simulation ]; then bash scripts/build-base-image.sh; else bash scripts/build-base-image.sh --sgx; fi
}
step_scaffold() { in_provider msehome_cli scaffold "$app"; }
step_package() {
  in_provider msehome_cli package --project "$app" --output package "${sim_flag[@]}"
  cp "$provider"/package/package_"$app"_*.tar "$operator/"
}
step_spawn() {
  local platform=()
  [ "$mode" = simulation ] && platform=(--simulation --platform sim-platform --pccs "$pccs_url")
  in_operator msehome_cli spawn "$app" --host localhost --port "$app_port" --size "$size" \
    --package "$(basename "$operator"/package_"$app"_*.tar)" --output deploy "${pccs_flags[@]}" "${platform[@]}"
  cp "$operator/deploy/evidence.json" "$provider/"
}
step_verify() {
  local status=0
  in_provider msehome_cli verify --evidence evidence.json --package "$(ls "$provider"/package/package_"$app"_*.tar)" \
    --output trust "${sim_flag[@]}" "${verify_flags[@]}" --json >"$provider/verify.json" || status=$?
  cat "$provider/verify.json"
  return "$status"
}
step_mrenclave() {
  local dry_run quote
  dry_run="$(json_get "$provider/verify.json" expectedMrEnclave)"
  in_operator msehome_cli quote show deploy/ratls.pem --json >"$operator/quote.json"
  quote="$(json_get "$operator/quote.json" reportBody.mrEnclave)"
  echo "dry-run MRENCLAVE: $dry_run"
  echo "quote's MRENCLAVE: $quote"
  [ -n "$dry_run" ] && [ "$dry_run" = "$quote" ]
}
step_seal() {
  in_provider msehome_cli seal --secrets "$app/secrets_to_seal.json" --cert trust/ratls.pem --output sealed
  cp "$provider/$app/secrets.json" "$provider/sealed/secrets_to_seal.json.sealed" "$operator/"
}
step_run() { in_operator msehome_cli run "$app" --secrets secrets.json --sealed-secrets secrets_to_seal.json.sealed; }
step_test() {
  cd "$operator"
  TEST_SECRET_JSON=secrets.json msehome_cli test "$app" --test deploy/tests --config deploy/mse.toml
}
# fetch_and_decrypt SUFFIX: both results over RA-TLS, decrypted to the scaffolded app's messages.
fetch_and_decrypt() {
  local suffix="$1" aes_key
  cd "$provider"
  fetch_over_ratls trust/ratls.pem "https://localhost:$app_port/result/secrets" "result$suffix.bin"
  fetch_over_ratls trust/ratls.pem "https://localhost:$app_port/result/sealed_secrets" "result$suffix.token"
  aes_key="$(json_get "$app/secrets.json" result_aes_key)"
  msehome_cli decrypt --aes "$aes_key" --output "result$suffix.txt" "result$suffix.bin"
  (umask 077 && json_get "$app/secrets_to_seal.json" result_sk >result_sk.key)
  msehome_cli decrypt --key result_sk.key --output "result_sealed$suffix.txt" "result$suffix.token"
  echo "decrypted: $(cat "result$suffix.txt") / $(cat "result_sealed$suffix.txt")"
  [ "$(cat "result$suffix.txt")" = "message using result_aes_key from SECRETS" ]
  [ "$(cat "result_sealed$suffix.txt")" = "message using result_sk from SEALED_SECRETS" ]
}
step_fetch() { fetch_and_decrypt ""; }
step_restart() {
  in_operator msehome_cli stop "$app"
  in_operator msehome_cli restart "$app"
  in_operator msehome_cli status "$app" --json >"$operator/status.json"
  local state
  state="$(json_get "$operator/status.json" state)"
  echo "state after restart: $state"
  [ "$state" = running ]
  # The same certificate as the one the provider verified.
  node -e '
    const [ca, port] = process.argv.slice(1);
    const tls = require("tls"), fs = require("fs"), { X509Certificate } = require("crypto");
    const expected = new X509Certificate(fs.readFileSync(ca)).raw;
    const socket = tls.connect({ host: "127.0.0.1", port: Number(port), servername: "localhost", ca: fs.readFileSync(ca) }, () => {
      const same = socket.getPeerCertificate().raw.equals(expected);
      console.log(same ? "the restarted app presents the verified certificate" : "the restarted app presents another certificate");
      socket.end();
      process.exitCode = same ? 0 : 1;
    });
    socket.on("error", (e) => { console.error(e.message); process.exitCode = 1; });
  ' "$provider/trust/ratls.pem" "$app_port"
  fetch_and_decrypt "-after-restart"
}

docker_version="$(docker version --format '{{.Server.Version}}' 2>/dev/null || echo "no engine")"
cpu="$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ //' || true)"
{
  echo "msehome $version, mode $mode, size ${size} MB"
  echo "Linux $(uname -r), CPU ${cpu:-unknown}, Docker ${docker_version}, DOCKER_HOST=${DOCKER_HOST:-}"
} >"$logs/00-environment.log"
echo "msehome $version acceptance $where (Linux $(uname -r), Docker $docker_version)"
echo "Workspace: $work"

# Every step, in order; run_step takes the first off as it passes.
remaining=("msehome build")
[ "$mode" = simulation ] && remaining+=("simulated platform" "simulated PCCS")
remaining+=("doctor" "base image" "scaffold" "package" "spawn" "verify --package"
  "MRENCLAVE dry-run = quote" "seal" "run" "test" "fetch and decrypt" "restart")

app_port="$(free_port)"
run_step "msehome build" ensure_msehome_built
if [ "$mode" = simulation ]; then
  run_step "simulated platform" step_platform
  run_step "simulated PCCS" --here step_pccs
fi
run_step "doctor" step_doctor
docker image inspect "$base_tag" >/dev/null 2>&1 || base_existed=0
run_step "base image" step_base_image
run_step "scaffold" step_scaffold
run_step "package" step_package
run_step "spawn" step_spawn
run_step "verify --package" step_verify
run_step "MRENCLAVE dry-run = quote" step_mrenclave
run_step "seal" step_seal
run_step "run" step_run
run_step "test" step_test
run_step "fetch and decrypt" step_fetch
run_step "restart" step_restart

echo "PASSED: all $passed steps $where in $(seconds_since "$started_ms") s."
