#!/usr/bin/env bash
# Installs the real servers and tools the tests run against (Redis, OpenSSH, promtool, Chromium)
# from Debian's packages when they are missing. Without root it says what to install and fails.
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
command -v xargs >/dev/null 2>&1 || missing+=(findutils)
# promtool checks deploy/prometheus/rules.yaml and runs the exporter's alert rules on the bot's /metrics.
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
if [ "${RKE2_CHATOPS_SKIP_BROWSER:-}" != "1" ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  # Emoji in the channel view's screenshot (the test passes without; the picture is just uglier).
  [ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing+=(fonts-noto-color-emoji)
fi
# `kubectl kustomize` renders deploy/kubernetes; Debian 12 ships kubectl in kubernetes-client (1.20, kustomize built in).
command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "rke2-chatops tests need: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing ${missing[*]} from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
