# Shell pieces scripts/demo.sh and scripts/sgx-acceptance.sh share: building msehome from this
# checkout, running it, free ports, JSON fields, the simulated PCCS, fetching over RA-TLS and
# removing what a run created. Source it from a script whose working directory is the checkout.

repo="$(pwd)"

# Installs the dependencies when node_modules is missing or older than the lock file, and builds
# dist/ when it is missing or older than a source.
ensure_msehome_built() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
  fi
  if [ ! -f dist/cli/main.js ] ||
    [ -n "$(find src package.json tsconfig.json tsconfig.build.json -newer dist/cli/main.js -print -quit)" ]; then
    npm run --silent build
  fi
}

# msehome from this checkout.
msehome_cli() { node "$repo/dist/cli/main.js" "$@"; }

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# json_get FILE a.b.c: one field of a JSON file (nothing when absent).
json_get() {
  node -e '
    let value = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const key of process.argv[2].split(".")) value = value == null ? undefined : value[key];
    if (value !== undefined) console.log(typeof value === "string" ? value : JSON.stringify(value));
  ' "$1" "$2"
}

# start_sim_pccs PLATFORM_DIR LOG_FILE: starts `msehome sim pccs --http` on a free port for the
# platform; sets pccs_pid and pccs_url once it listens (returns 1 if it exits first).
pccs_pid=""
pccs_url=""
start_sim_pccs() {
  local port
  port="$(free_port)"
  # node itself in the background (not the function), so that $! is the process to stop.
  node "$repo/dist/cli/main.js" sim pccs --dir "$1" --port "$port" --http >"$2" 2>&1 &
  pccs_pid=$!
  for _ in $(seq 1 100); do
    if grep -q "listening on" "$2" 2>/dev/null; then
      pccs_url="http://127.0.0.1:$port"
      return 0
    fi
    kill -0 "$pccs_pid" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

stop_sim_pccs() {
  if [ -n "$pccs_pid" ] && kill -0 "$pccs_pid" 2>/dev/null; then
    kill "$pccs_pid" 2>/dev/null || true
    wait "$pccs_pid" 2>/dev/null || true
    return 0
  fi
  return 1
}

# fetch_over_ratls CA_PEM URL OUT: GET over HTTPS trusting only the app's RA-TLS certificate.
fetch_over_ratls() {
  node -e '
    const [ca, url, out] = process.argv.slice(1);
    const https = require("https"), fs = require("fs");
    https.get(url, { ca: fs.readFileSync(ca) }, (res) => {
      if (res.statusCode !== 200) { console.error(`${url} answered ${res.statusCode}`); process.exit(1); }
      res.pipe(fs.createWriteStream(out)).on("finish", () => console.log(`${url} -> ${out} (${fs.statSync(out).size} bytes)`));
    }).on("error", (e) => { console.error(`${url}: ${e.message}`); process.exit(1); });
  ' "$1" "$2" "$3"
}

# remove_app NAME: the app container and its image tag, if it exists. Prints what it removed.
remove_app() {
  if docker container inspect "$1" >/dev/null 2>&1; then
    msehome_cli stop "$1" --remove >/dev/null 2>&1 || docker rm -f "$1" >/dev/null 2>&1 || true
    echo "removed the app container $1"
  fi
}

# remove_image REFERENCE: an image tag, if it exists. Prints what it removed.
remove_image() {
  if docker image inspect "$1" >/dev/null 2>&1; then
    docker image rm "$1" >/dev/null 2>&1 || true
    echo "removed the image $1"
  fi
}
