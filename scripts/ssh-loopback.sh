#!/usr/bin/env bash
# A real multi-user check of `casebook serve` over `ssh -t` on loopback
# (issue 9), on a Debian machine, as root. It cannot run in CI (it needs
# sshd and local accounts), so it is a script, not a test.
#
# What it does, following the README's "Everyone at once" set-up:
#  - installs openssh-server, tmux and age if missing (apt-get; the
#    package's own sshd is not started: a policy-rc.d says no while it
#    installs, unless the machine already has one);
#  - builds casebook (release) once and installs it to /usr/local/bin/casebook
#    (CASEBOOK_BIN=FILE installs that binary instead, --no-build keeps the
#    one installed);
#  - a service account `casebook` (group `casebook`), and local accounts
#    cbdsl, cbdeputy and cbreporter in that group, cbnokey in the group but
#    with a key the store does not know, and cboutsider outside the group.
#    Each makes its own age key in its own home, over ssh, and sends the DSL
#    only the public line. No passwords: the accounts have none (`*`), and
#    ssh uses keys made here;
#  - a second sshd of its own on 127.0.0.1 only (port $CASEBOOK_SSH_PORT,
#    default 2222, its own config, host key and pid file, only these
#    accounts); it sets CASEBOOK_STORE and CASEBOOK_SOCKET for their
#    sessions (SetEnv), because `ssh host casebook` runs a non-login shell,
#    which reads no /etc/profile.d;
#  - a fresh store in /var/lib/casebook-loopback/store (0700, owned by
#    casebook) made by the service account from the DSL's public key only,
#    and `casebook serve` as the service account, socket in
#    /run/casebook-loopback (0750 casebook:casebook), mode 0660;
#  - the DSL's and the deputy's TUIs in tmux at 80x24 via
#    `ssh -t cbdsl@127.0.0.1 casebook`; the reporter records an urgent
#    concern with `ssh cbreporter@127.0.0.1 casebook concern add ...`, and
#    the script times how long it takes to show on both open boards; the DSL
#    opens it, the deputy adds a follow-up from the CLI, and the DSL's open
#    concern shows it;
#  - checks that cboutsider is refused at the socket (permission denied)
#    and cbnokey is told "not a member";
#  - stops what it started (tmux, the sessions, casebook serve, its sshd)
#    and checks no casebook process of the test accounts is left.
#
# Usage (as root, from anywhere in the repository):
#   scripts/ssh-loopback.sh            set up, run the checks, stop everything
#   scripts/ssh-loopback.sh --keep     the same, but leave sshd, serve and the
#                                      tmux sessions running to try by hand
#   scripts/ssh-loopback.sh --stop     stop what a --keep run left running
#   scripts/ssh-loopback.sh --remove   stop, then delete the test accounts,
#                                      their homes, the store and the ssh state
#   add --no-build to use /usr/local/bin/casebook as it is.
#
# Safe to re-run: each run stops whatever a previous run left, makes a fresh
# store and reuses the accounts and their keys. The accounts, their homes,
# the store and /var/lib/casebook-ssh-loopback (host key, client keys, logs)
# stay after a run, for a look afterwards; --remove deletes them. It never
# touches /var/lib/casebook (a real store's place in the README).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
port=${CASEBOOK_SSH_PORT:-2222}
state=/var/lib/casebook-ssh-loopback          # root only: ssh keys, config, logs
store_root=/var/lib/casebook-loopback         # the service account's
store=$store_root/store
run_dir=/run/casebook-loopback                # 0750 casebook:casebook
socket=$run_dir/casebook.sock
tmux_sock=casebook-loopback
members=(cbdsl cbdeputy cbreporter cbnokey)   # in the casebook group
outsider=cboutsider                           # not in it
accounts=("${members[@]}" "$outsider")

keep=0 build=1 mode=run
for arg in "$@"; do
  case $arg in
    --keep) keep=1 ;;
    --no-build) build=0 ;;
    --stop) mode=stop ;;
    --remove) mode=remove ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "ssh-loopback: unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done

say() { printf '[%s] %s\n' "$(date +%T)" "$*"; }
fail() { say "FAIL: $*"; failures=$((failures + 1)); }
failures=0
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

[ "$(id -u)" -eq 0 ] || { echo "ssh-loopback: run as root (it installs packages and makes accounts)" >&2; exit 2; }

# ---------------------------------------------------------------- stopping
# Only what this script started, found by its own pid files and tmux socket.
stop_all() {
  tmux -L "$tmux_sock" kill-server 2>/dev/null || true
  if [ -f "$state/serve.pid" ]; then
    local pid; pid=$(cat "$state/serve.pid")
    if kill -0 "$pid" 2>/dev/null && grep -q casebook "/proc/$pid/cmdline" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && { say "casebook serve did not stop on SIGTERM in 10 s; killing it"; kill -KILL "$pid"; }
    fi
    rm -f "$state/serve.pid"
  fi
  if [ -f "$state/sshd.pid" ]; then
    local pid; pid=$(cat "$state/sshd.pid")
    if kill -0 "$pid" 2>/dev/null && grep -q sshd "/proc/$pid/cmdline" 2>/dev/null; then
      kill -TERM "$pid"
    fi
    rm -f "$state/sshd.pid"
  fi
  rm -rf "$run_dir"
}

if [ "$mode" = stop ]; then stop_all; say "stopped"; exit 0; fi
if [ "$mode" = remove ]; then
  stop_all
  for u in "${accounts[@]}"; do
    if id "$u" >/dev/null 2>&1; then
      pkill_pids=$(pgrep -u "$u" || true)
      [ -z "$pkill_pids" ] || { say "$u still has processes ($pkill_pids); not removing it"; continue; }
      userdel -r "$u" 2>/dev/null || userdel "$u"
      say "removed account $u"
    fi
  done
  rm -rf "$store_root" "$state"
  say "removed $store_root and $state (the casebook service account and group stay: a real set-up may use them)"
  exit 0
fi

# ---------------------------------------------------------------- packages
need=()
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v age-keygen >/dev/null 2>&1 || need+=(age)
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    # Keep the package from starting the machine's own sshd on every address.
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  [ "$made_policy" -eq 0 ] || rm -f /usr/sbin/policy-rc.d
fi

# ---------------------------------------------------------------- binary
if [ -n "${CASEBOOK_BIN:-}" ]; then
  install -m 0755 "$CASEBOOK_BIN" /usr/local/bin/casebook
elif [ "$build" -eq 1 ]; then
  say "building casebook (release)"
  if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
    # Under sudo: build as the developer (their cargo, their target/).
    runuser -u "$SUDO_USER" -- bash -lc "cd '$repo' && cargo build --release --locked --quiet"
  elif command -v cargo >/dev/null 2>&1; then
    (cd "$repo" && cargo build --release --locked --quiet)
  else
    echo "ssh-loopback: no cargo here: cargo build --release first, then run this with" \
         "CASEBOOK_BIN=target/release/casebook" >&2
    exit 2
  fi
  install -m 0755 "$repo/target/release/casebook" /usr/local/bin/casebook
fi
[ -x /usr/local/bin/casebook ] || { echo "ssh-loopback: no /usr/local/bin/casebook (drop --no-build)" >&2; exit 2; }
say "using $(/usr/local/bin/casebook --version) at /usr/local/bin/casebook"

stop_all   # whatever a previous run left behind

# ---------------------------------------------------------------- accounts
getent group casebook >/dev/null || groupadd --system casebook
if ! id casebook >/dev/null 2>&1; then
  useradd --system --gid casebook --home-dir /var/lib/casebook --no-create-home \
          --shell /usr/sbin/nologin casebook
fi
for u in "${accounts[@]}"; do
  id "$u" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$u"
  usermod -p '*' "$u"   # no password, but not locked: key-based ssh only
done
for u in "${members[@]}"; do usermod -a -G casebook "$u"; done
if id -nG "$outsider" | tr ' ' '\n' | grep -qx casebook; then gpasswd -d "$outsider" casebook >/dev/null; fi

# ---------------------------------------------------------------- sshd
install -d -m 0700 "$state"
install -d -m 0755 /run/sshd        # sshd's privilege separation directory
[ -f "$state/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C casebook-loopback-host -f "$state/host_ed25519"
if ss -ltnH "sport = :$port" | grep -q .; then
  echo "ssh-loopback: port $port is in use; set CASEBOOK_SSH_PORT to a free one" >&2; exit 2
fi
cat > "$state/sshd_config" <<EOF
# casebook's loopback check: a second sshd, 127.0.0.1 only, test accounts only.
Port $port
ListenAddress 127.0.0.1
HostKey $state/host_ed25519
PidFile $state/sshd.pid
AuthorizedKeysFile .ssh/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
UsePAM no
AllowUsers ${accounts[*]}
AllowTcpForwarding no
X11Forwarding no
PrintMotd no
PrintLastLog no
# ssh host command runs a non-login shell, which reads no /etc/profile.d:
# the school's paths are set for every session here (a real server can use
# the same line in its sshd_config, or /etc/environment).
SetEnv CASEBOOK_STORE=$store CASEBOOK_SOCKET=$socket
EOF
/usr/sbin/sshd -t -f "$state/sshd_config"
/usr/sbin/sshd -f "$state/sshd_config" -E "$state/sshd.log"
printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$state/host_ed25519.pub")" > "$state/known_hosts"

for u in "${accounts[@]}"; do
  [ -f "$state/id_$u" ] || ssh-keygen -q -t ed25519 -N '' -C "$u@casebook-loopback" -f "$state/id_$u"
  home=$(getent passwd "$u" | cut -d: -f6)
  install -d -m 0700 -o "$u" -g "$u" "$home/.ssh"
  install -m 0600 -o "$u" -g "$u" "$state/id_$u.pub" "$home/.ssh/authorized_keys"
done

ssh_opts() {
  printf '%s\n' -F /dev/null -p "$port" -i "$state/id_$1" -o IdentitiesOnly=yes -o BatchMode=yes \
    -o UserKnownHostsFile="$state/known_hosts" -o StrictHostKeyChecking=yes -o LogLevel=ERROR
}
# remote USER ARGS...: runs ARGS in USER's login over ssh, quoted for its shell.
remote() {
  local u=$1; shift
  local opts; mapfile -t opts < <(ssh_opts "$u")
  # shellcheck disable=SC2029 # quoted here on purpose, for the remote shell
  ssh "${opts[@]}" "$u@127.0.0.1" "$(printf '%q ' "$@")"
}
for _ in $(seq 50); do [ -f "$state/sshd.pid" ] && break; sleep 0.1; done
remote cbdsl true || { echo "ssh-loopback: cannot ssh to cbdsl@127.0.0.1:$port (see $state/sshd.log)" >&2; stop_all; exit 1; }
say "sshd on 127.0.0.1:$port (pid $(cat "$state/sshd.pid")), key-based logins for ${accounts[*]}"

# ---------------------------------------------------------------- keys
# Each member makes their own key in their own home, as the README says,
# and sends only the public line.
declare -A pub
for u in "${accounts[@]}"; do
  # shellcheck disable=SC2016 # $HOME and $d expand in the member's own shell
  pub[$u]=$(remote "$u" sh -c 'umask 077; d=$HOME/.local/share/casebook; mkdir -p "$d";
    [ -f "$d/identity.age" ] || age-keygen -o "$d/identity.age" 2>/dev/null; age-keygen -y "$d/identity.age"')
  case ${pub[$u]} in age1*) ;; *) echo "ssh-loopback: no key for $u: ${pub[$u]}" >&2; stop_all; exit 1 ;; esac
done
say "each account has its own age key in ~/.local/share/casebook/identity.age"

# ---------------------------------------------------------------- store
as_casebook() {
  setpriv --reuid=casebook --regid=casebook --init-groups \
    env -i HOME="$store_root" PATH=/usr/local/bin:/usr/bin:/bin "$@"
}
rm -rf "$store_root"
install -d -m 0700 -o casebook -g casebook "$store_root"
as_casebook casebook --store "$store" init --school "Loopback Primary" --dsl-name "Ms Nia Lookout" \
  --recipient "${pub[cbdsl]}" | sed 's/^/    /'
install -d -m 0750 -o casebook -g casebook "$run_dir"
(umask 0077; exec setpriv --reuid=casebook --regid=casebook --init-groups \
   env -i HOME="$store_root" PATH=/usr/local/bin:/usr/bin:/bin \
   casebook --store "$store" --socket "$socket" serve --mode 660 \
   </dev/null >"$state/serve.log" 2>&1) &
echo $! > "$state/serve.pid"
for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || { cat "$state/serve.log"; stop_all; exit 1; }
say "casebook serve (pid $(cat "$state/serve.pid")) as casebook: $(stat -c '%A %U:%G' "$run_dir") $run_dir, $(stat -c '%A %U:%G' "$socket") socket"
say "store: $(stat -c '%A %U:%G' "$store") $store"

# The DSL adds the deputy and the reporter over ssh, through the server.
remote cbdsl casebook member add --name "Mr Oren Deputy" --role deputy --recipient "${pub[cbdeputy]}" | sed 's/^/    /'
remote cbdsl casebook member add --name "Miss Pia Reporter" --role reporter --recipient "${pub[cbreporter]}" | sed 's/^/    /'
remote cbdsl casebook paths | sed 's/^/    cbdsl: /'

# ---------------------------------------------------------------- the TUIs
cat > "$state/tmux.conf" <<'EOF'
set -g remain-on-exit on
set -g status off
EOF
pane() { tmux -L "$tmux_sock" capture-pane -p -t "$1"; }
# wait_pane SESSION TEXT SECONDS: polls the pane every 50 ms.
wait_pane() {
  local deadline=$(( $(now_ms) + $3 * 1000 ))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    pane "$1" | grep -qF -- "$2" && return 0
    sleep 0.05
  done
  return 1
}
open_tui() {
  local u=$1 opts; mapfile -t opts < <(ssh_opts "$u")
  local cmd; cmd="ssh -t $(printf '%q ' "${opts[@]}") $u@127.0.0.1 casebook"
  if tmux -L "$tmux_sock" has-session 2>/dev/null; then
    tmux -L "$tmux_sock" new-session -d -s "$u" -x 80 -y 24 "$cmd"
  else
    tmux -L "$tmux_sock" -f "$state/tmux.conf" new-session -d -s "$u" -x 80 -y 24 "$cmd"
  fi
  local t0; t0=$(now_ms)
  if wait_pane "$u" "Triage board" 20; then
    say "$u: TUI over ssh -t open on the board in $(( $(now_ms) - t0 )) ms"
  else
    fail "$u: no board after 20 s:"; pane "$u" | sed 's/^/    | /'
  fi
}
open_tui cbdsl
open_tui cbdeputy

# ---------------------------------------------------------------- the concern
t0=$(now_ms)
out=$(remote cbreporter casebook concern add --subject "child:Pupil Hesper Quill:Year 6" \
  --category indecent-image --location toilets --device mobile-phone \
  --description "A pupil says an image of another child is being shared in the toilets." \
  --action "Phone confiscated; not looked at." 2>&1) || fail "the reporter's concern add failed: $out"
t1=$(now_ms)
ref=$(printf '%s\n' "$out" | sed -n 's/^Recorded \(C-[0-9-]*\)\.$/\1/p')
say "cbreporter: '$out' (ssh + casebook concern add: $(( t1 - t0 )) ms)"
reach=()
if [ -n "$ref" ]; then
  for u in cbdsl cbdeputy; do
    if wait_pane "$u" "$ref" 10; then
      t2=$(now_ms)
      row=$(pane "$u" | grep -F -- "$ref")
      say "$u: $ref on the open board $(( t2 - t1 )) ms after the reporter's command returned ($(( t2 - t0 )) ms after it started)"
      say "    row: $row"
      case $row in *URGENT*) ;; *) fail "$u: the row does not say URGENT (P6.1-c)";; esac
      reach+=("$u $(( t2 - t1 ))")
    else
      fail "$u: $ref not on the board after 10 s"; pane "$u" | sed 's/^/    | /'
    fi
  done
  # The DSL opens it (the reporter's record decrypts with the DSL's key),
  # the deputy adds a follow-up from the CLI, the DSL's open concern shows it.
  tmux -L "$tmux_sock" send-keys -t cbdsl Enter
  if wait_pane cbdsl "image of another child" 5; then
    say "cbdsl: opened $ref and reads the reporter's description"
  else
    fail "cbdsl: could not open $ref"; pane cbdsl | sed 's/^/    | /'
  fi
  t3=$(now_ms)
  remote cbdeputy casebook note "$ref" --kind phone-call --text "Spoke to the parent of Pupil Hesper Quill by loopback." \
    | sed 's/^/    cbdeputy: /'
  t4=$(now_ms)
  # At 80x24 the chronology starts below the fold: its heading counts the
  # entries, and End scrolls to the new one.
  if wait_pane cbdsl "Chronology (2 entries" 10; then
    t5=$(now_ms)
    say "cbdsl: the deputy's follow-up in the open concern $(( t5 - t4 )) ms after the deputy's command returned (command $(( t4 - t3 )) ms)"
    tmux -L "$tmux_sock" send-keys -t cbdsl End
    wait_pane cbdsl "by loopback" 5 || { fail "cbdsl: the follow-up's text not shown at the end of the concern"; pane cbdsl | sed 's/^/    | /'; }
  else
    fail "cbdsl: the deputy's follow-up not in the open concern after 10 s"; pane cbdsl | sed 's/^/    | /'
  fi
fi

# ---------------------------------------------------------------- refusals
check_refused() {
  local u=$1 want=$2 out
  if out=$(remote "$u" casebook list 2>&1); then
    fail "$u: casebook list succeeded; expected a refusal"
  elif printf '%s' "$out" | grep -qiF -- "$want"; then
    say "$u: refused as expected: $out"
  else
    fail "$u: refused, but without '$want': $out"
  fi
}
check_refused "$outsider" "permission denied"
check_refused cbnokey "not a member"
grep -h 'refused' "$state/serve.log" | sed 's/^/    serve.log: /' || true

# ---------------------------------------------------------------- the end
if [ "$keep" -eq 1 ]; then
  say "left running (--keep): attach with  tmux -L $tmux_sock attach -t cbdsl  (or -t cbdeputy);"
  say "    another TUI: ssh $(ssh_opts cbreporter | tr '\n' ' ')-t cbreporter@127.0.0.1 casebook"
  say "    stop with  $0 --stop"
else
  # Dropping the ssh sessions (tmux goes) must end each casebook: its
  # terminal hangs up. Zombies count as ended: they hold nothing.
  t_drop=$(now_ms)
  tmux -L "$tmux_sock" kill-server 2>/dev/null || true
  live_tuis() {
    ps -o stat=,pid=,comm= -u "$(IFS=,; echo "${members[*]}")" 2>/dev/null |
      awk '$3 == "casebook" && $1 !~ /^Z/ {print $2}'
  }
  deadline=$(( $(now_ms) + 5000 ))
  while [ -n "$(live_tuis)" ] && [ "$(now_ms)" -lt "$deadline" ]; do sleep 0.1; done
  left=$(live_tuis)
  if [ -n "$left" ]; then
    fail "casebook still running 5 s after its ssh session ended: pids $left (ended now)"
    # Started by this script's sshd for a test account: end them by id.
    for pid in $left; do kill -KILL "$pid" 2>/dev/null || true; done
  else
    say "every TUI ended within $(( $(now_ms) - t_drop )) ms of its ssh session dropping"
  fi
  stop_all
  tail -n 1 "$state/serve.log" | sed 's/^/    serve.log: /'
  say "stopped tmux, the ssh sessions, casebook serve and sshd"
fi
if [ "$failures" -eq 0 ]; then
  say "PASS${reach:+ (reach: ${reach[*]} ms)}"
else
  say "$failures check(s) FAILED"; exit 1
fi
