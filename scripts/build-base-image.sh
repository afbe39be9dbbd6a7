#!/usr/bin/env bash
# Builds an msehome base image. The two images never share a tag, so building one never replaces
# the other (the test suite builds the simulation image on machines that may hold the SGX one).
#   (default)  the simulation-only image, msehome/base:<version>-simulation, fully offline: a root
#              filesystem made of this machine's Node binary, its shared libraries and /bin/sh is
#              `docker import`ed, then the runtime layers (dist/, package.json, production
#              node_modules, msehome-run and msehome-dev) are added by
#              docker/base/simulation.Dockerfile. Skipped when an image built from the same inputs
#              exists (label msehome.base.digest); --force rebuilds. Apps build on it with
#              `msehome package --simulation` (and `test-dev --simulation`).
#   --sgx      the SGX hardware image, msehome/base:<version>, from docker/base/Dockerfile (needs the
#              public registries); the scaffolded Dockerfile's default base.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=simulation
force=0
for arg in "$@"; do
  case "$arg" in
    --sgx) mode=sgx ;;
    --force) force=1 ;;
    -h | --help)
      sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "build-base-image: unknown option $arg (expected --sgx, --force or --help)" >&2
      exit 2
      ;;
  esac
done

version="$(node -p 'require("./package.json").version')"
tag="msehome/base:${version}"

if [ "$mode" = sgx ]; then
  exec docker build -f docker/base/Dockerfile --build-arg MSEHOME_VERSION="$version" -t "$tag" .
fi

sim_tag="${tag}-simulation"
# One build at a time on this engine (parallel test files may all ask for the image).
exec 9>"${TMPDIR:-/tmp}/msehome-build-base-image.lock"
flock 9

rootfs_tag="msehome/base-rootfs:${version}-simulation"
node_bin="$(readlink -f "$(command -v node)")"
shell_bin="$(readlink -f /bin/dash 2>/dev/null || readlink -f /bin/sh)"

if [ ! -f dist/runtime/runMain.js ] || [ ! -f dist/runtime/devMain.js ]; then
  npm run --silent build
fi

# Everything the image is made of; an image labelled with the same digest is up to date.
digest="$(
  {
    sha256sum "$node_bin" "$shell_bin" scripts/build-base-image.sh docker/base/simulation.Dockerfile \
      docker/base/bin/* package.json package-lock.json
    find dist -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
  } | sha256sum | cut -c1-64
)"

image_label() { docker image inspect -f "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true; }

# Older builds also tagged the simulation image msehome/base:<version>, where the SGX image belongs:
# drop that tag, and only from a simulation-only image.
if [ "$(image_label "$tag" msehome.base.simulation-only)" = true ]; then
  docker image rm "$tag" >/dev/null
  echo "build-base-image: removed the tag ${tag} from the simulation-only image (it names the SGX image)." >&2
fi

if [ "$force" = 0 ] && [ "$(image_label "$sim_tag" msehome.base.digest)" = "$digest" ]; then
  echo "build-base-image: ${sim_tag} (simulation only) is up to date." >&2
  exit 0
fi

previous_image="$(docker image inspect -f '{{.Id}}' "$sim_tag" 2>/dev/null || true)"
previous_rootfs="$(docker image inspect -f '{{.Id}}' "$rootfs_tag" 2>/dev/null || true)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
started=$SECONDS

# 1. Root filesystem: Node, the libraries the dynamic loader resolves for it and for the shell.
rootfs="$work/rootfs"
mkdir -p "$rootfs"/{usr/local/bin,bin,etc,root,tmp,opt/msehome}
chmod 1777 "$rootfs/tmp"
cp "$node_bin" "$rootfs/usr/local/bin/node"
cp "$shell_bin" "$rootfs/bin/sh"
ldd "$node_bin" "$shell_bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $2 ~ /^\(/ { print $1 }' | sort -u |
  while read -r lib; do
    mkdir -p "$rootfs$(dirname "$lib")"
    cp "$(readlink -f "$lib")" "$rootfs$lib"
  done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\n' >"$rootfs/etc/group"
printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
tar --numeric-owner --owner=0 --group=0 -C "$rootfs" -c . |
  docker import --message "msehome simulation root filesystem" - "$rootfs_tag" >/dev/null

# 2. Runtime layers: production build and production dependencies, obtained offline by pruning a
#    copy of this checkout's node_modules.
context="$work/context"
mkdir -p "$context/runtime"
cp -R dist package.json package-lock.json "$context/runtime/"
cp -R node_modules "$context/runtime/node_modules"
(cd "$context/runtime" && npm prune --omit=dev --offline --ignore-scripts --no-audit --no-fund >/dev/null)
rm "$context/runtime/package-lock.json"
find "$context/runtime/dist" -name '*.test.js*' -delete
cp -R docker/base/bin "$context/bin"
cp docker/base/simulation.Dockerfile "$context/Dockerfile"

# The legacy builder (no BuildKit needed offline) prints a deprecation notice: show output on failure only.
if ! DOCKER_BUILDKIT=0 docker build --quiet \
  --build-arg ROOTFS_IMAGE="$rootfs_tag" \
  --build-arg MSEHOME_VERSION="$version" \
  --label msehome.base.digest="$digest" \
  -t "$sim_tag" "$context" >"$work/build.log" 2>&1; then
  cat "$work/build.log" >&2
  echo "build-base-image: docker build failed." >&2
  exit 1
fi

# Drop the images this build replaced (refused, and kept, while a container still uses them).
for old in "$previous_image" "$previous_rootfs"; do
  if [ -n "$old" ] && [ -z "$(docker image inspect -f '{{join .RepoTags ","}}' "$old" 2>/dev/null)" ]; then
    docker image rm "$old" >/dev/null 2>&1 || true
  fi
done

size="$(docker image inspect -f '{{.Size}}' "$sim_tag")"
echo "build-base-image: built ${sim_tag} (simulation only, $((size / 1000000)) MB) in $((SECONDS - started)) s." >&2
