#!/usr/bin/env bash
# The whole msehome flow, for real, on this machine: installs and builds msehome, makes sure Docker
# answers, builds the simulation base image, then plays both actors in two separate workspaces —
# the code provider (scaffold, test-dev, package, verify, seal, decrypt) and the SGX operator
# (a simulated SGX platform and its PCCS, spawn, run, test, status, list). Only the files the
# README says are exchanged pass between the two directories. Everything it starts (the app
# container, the PCCS) is removed on exit, even after a failure or Ctrl-C.
#   DEMO_KEEP=1  keep the two workspaces (their paths are printed)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/flow.sh
started=$SECONDS

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
say() { printf '    %s\n' "$*"; }
# Runs msehome from this checkout, echoing the command as the README writes it.
msehome() {
  printf '\033[2m    $ msehome %s\033[0m\n' "$*"
  msehome_cli "$@"
}

# --- Setup ----------------------------------------------------------------------------------------
step "Installing dependencies and building msehome (when out of date)"
ensure_msehome_built

step "Making sure a Docker engine answers"
bash scripts/ensure-docker.sh
say "$(docker version --format 'Docker engine {{.Server.Version}}')"

step "Building the simulation base image (offline)"
bash scripts/build-base-image.sh

# --- Two actors, two workspaces -------------------------------------------------------------------
demo="$(mktemp -d "${TMPDIR:-/tmp}/msehome-demo.XXXXXX")"
provider="$demo/code_provider"
operator="$demo/sgx_operator"
mkdir -p "$provider" "$operator"
app="demo-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  step "Cleaning up"
  remove_app "$app" | while read -r line; do say "$line"; done
  # The image test-dev and package built (tag msehome-package/<app>:latest).
  remove_image "msehome-package/$app:latest" | while read -r line; do say "$line"; done
  if stop_sim_pccs; then say "stopped the simulated PCCS"; fi
  if [ "${DEMO_KEEP:-}" = 1 ]; then
    say "kept the workspaces in $demo"
  else
    rm -rf "$demo"
    say "removed the workspaces"
  fi
  if [ "$status" = 0 ]; then
    step "Demo finished in $((SECONDS - started)) s"
  else
    printf '\n\033[1;31mDemo failed (exit %s).\033[0m\n' "$status" >&2
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "code provider's workspace: $provider"
say "SGX operator's workspace:  $operator"

# --- Code provider: write, test, package ----------------------------------------------------------
step "[code provider] Scaffolding the app $app"
(cd "$provider" && msehome scaffold "$app")

step "[code provider] Testing it locally, without an enclave (test-dev)"
(cd "$provider" && msehome test-dev --project "$app" --simulation \
  --secrets "$app/secrets.json" --sealed-secrets "$app/secrets_to_seal.json")

step "[code provider] Packaging it on the simulation-only base image (no SGX hardware here)"
(cd "$provider" && msehome package --project "$app" --output package --simulation)
package_file="$(ls "$provider"/package/package_"$app"_*.tar)"

step "Exchange: code provider → SGX operator: $(basename "$package_file")"
cp "$package_file" "$operator/"

# --- SGX operator: simulated platform, PCCS, spawn ------------------------------------------------
step "[SGX operator] Creating a simulated SGX platform (no SGX CPU here)"
(cd "$operator" && msehome sim init --dir sim-platform)

step "[SGX operator] Starting a simulated PCCS for it"
start_sim_pccs "$operator/sim-platform" "$operator/pccs.log" || { cat "$operator/pccs.log" >&2; exit 1; }
say "PCCS at $pccs_url"

step "[SGX operator] Spawning the app in a (simulated) enclave"
app_port="$(free_port)"
(cd "$operator" && msehome spawn "$app" --host localhost --port "$app_port" --size 4096 \
  --package "$(basename "$package_file")" --output deploy \
  --pccs "$pccs_url" --simulation --platform sim-platform)
(cd "$operator" && msehome status "$app")

step "Exchange: SGX operator → code provider: evidence.json"
cp "$operator/deploy/evidence.json" "$provider/"

# --- Code provider: verify, seal ------------------------------------------------------------------
step "[code provider] Verifying the enclave against the package (MRENCLAVE recomputed from it)"
(cd "$provider" && msehome verify --evidence evidence.json --package "package/$(basename "$package_file")" \
  --simulation --output trust)

step "[code provider] Sealing secrets_to_seal.json to the verified enclave"
(cd "$provider" && msehome seal --secrets "$app/secrets_to_seal.json" --cert trust/ratls.pem --output sealed)

step "Exchange: code provider → SGX operator: secrets.json (plain) and secrets_to_seal.json.sealed"
cp "$provider/$app/secrets.json" "$provider/sealed/secrets_to_seal.json.sealed" "$operator/"

# --- SGX operator: run, test ----------------------------------------------------------------------
step "[SGX operator] Starting the app with its secrets"
(cd "$operator" && msehome run "$app" --secrets secrets.json --sealed-secrets secrets_to_seal.json.sealed)
(cd "$operator" && msehome list)

step "[SGX operator] Running the provider's tests against the enclave (over RA-TLS)"
(cd "$operator" && TEST_SECRET_JSON=secrets.json msehome test "$app" --test deploy/tests --config deploy/mse.toml)

# --- An app user (here the code provider) fetches the results over RA-TLS -------------------------
step "[code provider] Fetching both results over RA-TLS, trusting only trust/ratls.pem"
fetch_result() {
  say "$(fetch_over_ratls "$provider/trust/ratls.pem" "https://localhost:$app_port$1" "$2")"
}
fetch_result /result/secrets "$provider/result_secrets.bin"
fetch_result /result/sealed_secrets "$provider/result_sealed_secrets.token"

step "[code provider] Decrypting the results"
# The key goes on the command line but is not shown.
printf '\033[2m    $ msehome decrypt --aes <result_aes_key of secrets.json> --output result_secrets.txt result_secrets.bin\033[0m\n'
(cd "$provider" && msehome_cli decrypt --aes "$(json_get "$app/secrets.json" result_aes_key)" \
  --output result_secrets.txt result_secrets.bin)
(umask 077 && json_get "$provider/$app/secrets_to_seal.json" result_sk >"$provider/result_sk.key")
(cd "$provider" && msehome decrypt --key result_sk.key --output result_sealed_secrets.txt result_sealed_secrets.token)
say "result under result_aes_key (secrets.json):        $(cat "$provider/result_secrets.txt")"
say "result under result_sk (secrets_to_seal.json):     $(cat "$provider/result_sealed_secrets.txt")"
