#!/bin/sh
# Entrypoint of Dockerfile-erasure (upstream's docker/entrypoint.sh, adapted):
#  - started as root: make the config folder writable by $IPFS_CLUSTER_USER (default: node,
#    uid 1000), re-run as that user (IPFS_CLUSTER_USER=root keeps root: not recommended);
#  - print the version;
#  - no service.json yet: `cluster-service init`, so that the CLUSTER_* variables present at the
#    first start are persisted; the IPFS backend is kubo when CLUSTER_IPFSHTTP_NODEMULTIADDRESS
#    is set, the embedded IPFS node otherwise (IPFS_CLUSTER_IPFS=kubo|embedded forces it);
#  - exec cluster-service with the container's command (default: daemon).
# DOCKER_DEBUG=1 traces this script.
set -e

if [ -n "$DOCKER_DEBUG" ]; then
  set -x
fi

user="${IPFS_CLUSTER_USER:-node}"
: "${IPFS_CLUSTER_PATH:=/data/ipfs-cluster}"
export IPFS_CLUSTER_PATH

if [ "$(id -u)" -eq 0 ] && [ "$user" != root ]; then
  echo "Changing user to $user"
  group="$(id -g "$user")"
  mkdir -p "$IPFS_CLUSTER_PATH"
  # ensure the config folder is writable (bind mounts are created by root)
  setpriv --reuid="$user" --regid="$group" --init-groups test -w "$IPFS_CLUSTER_PATH" \
    || chown -R -- "$user:$group" "$IPFS_CLUSTER_PATH"
  HOME="$(getent passwd "$user" | cut -d: -f6)"
  export HOME
  exec setpriv --reuid="$user" --regid="$group" --init-groups /bin/sh "$0" "$@"
fi

# Only the unprivileged user gets here
cluster-service --version

if [ -e "$IPFS_CLUSTER_PATH/service.json" ]; then
  echo "Found IPFS Cluster configuration at $IPFS_CLUSTER_PATH"
else
  backend="${IPFS_CLUSTER_IPFS:-}"
  if [ -z "$backend" ]; then
    if [ -n "$CLUSTER_IPFSHTTP_NODEMULTIADDRESS" ]; then backend=kubo; else backend=embedded; fi
  fi
  echo "Initializing the configuration in $IPFS_CLUSTER_PATH (IPFS backend: $backend)..."
  cluster-service init --consensus "${IPFS_CLUSTER_CONSENSUS:-crdt}" --ipfs "$backend"
fi

exec cluster-service "$@"
