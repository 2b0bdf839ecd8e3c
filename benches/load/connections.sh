#!/usr/bin/env bash
# Connection figures for reshelf, on 127.0.0.1 only, every run bounded:
#
#   1. burst: for each size in BURST, a fresh reshelf's idle RSS before a burst of that many
#      keep-alive connections (wrk -cN against the 1 KiB passthrough), its RSS while they are
#      open, and right after they closed, 10, 30 and 60 s later (is the memory returned?);
#   2. many: CONNS concurrent keep-alive connections (wrk -cCONNS) against nginx proxy_pass and
#      reshelf in the same run: answered (2xx) and refused (non-2xx, socket errors) requests,
#      p50/p99, req/s, and reshelf's RSS; MANY_LISTEN adds [listen] keys to a second reshelf
#      run (e.g. a max_connections below CONNS, to see refusals);
#   3. slowloris: slowhttptest holds SLOW_CONNS half-sent heads against reshelf while wrk times a
#      shopper's requests on 4 connections; reports the shopper's p99 and how slowhttptest's
#      connections ended;
#   4. rate (only when named in STEPS): ROUNDS rounds of wrk -t2 -c16 -dDURATION on the 1 KiB
#      passthrough, nginx proxy_pass then each binary of RATE_BINS (a fresh reshelf each) in
#      each round; req/s, the ratio to proxy_pass in the same round, reshelf's CPU per request,
#      and the medians (what an allocator or buffer change costs in throughput).
#
#   benches/load/connections.sh
#   BURST="2000 5000" STEPS="burst rate" RESHELF_BIN=<binary> benches/load/connections.sh
#   STEPS=rate ROUNDS=5 RATE_BINS="before=<binary> after=<binary>" benches/load/connections.sh
#
# Knobs: STEPS ("burst many slowloris"; add "rate" for step 4), BURST (2000; a list = one fresh
# reshelf per size), BURST_DURATION (5s), ROUNDS (3), CONNS (5000), DURATION (10s), SLOW_CONNS (1000),
# RATE_BINS ("reshelf=<the binary measured>": LABEL=PATH pairs), MANY_LISTEN
# ("max_connections = 2000"; "" = skip that run), PIN (1: wrk on CPU 0, servers on
# CPU 1), RT (0; >0 = chrt -f RT for wrk and servers), RESHELF_BIN (default: build this tree),
# OUT (default target/load/connections-DATE), ports 18091..18094.
# Installs nginx-light, wrk, slowhttptest and curl (Debian) when missing. Stops all it started.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BURST=${BURST:-2000}
BURST_DURATION=${BURST_DURATION:-5s}
STEPS=${STEPS:-burst many slowloris}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-5000}
DURATION=${DURATION:-10s}
SLOW_CONNS=${SLOW_CONNS:-1000}
MANY_LISTEN=${MANY_LISTEN-"max_connections = 2000"}
PIN=${PIN:-1}
RT=${RT:-0}
ORIGIN_PORT=${ORIGIN_PORT:-18091}
PROXY_PORT=${PROXY_PORT:-18092}
RESHELF_PORT=${RESHELF_PORT:-18093}
ADMIN_PORT=${ADMIN_PORT:-18094}
OUT=${OUT:-$ROOT/target/load/connections-$(date +%Y%m%d-%H%M%S)}
export FASHIONAI_APP_TOKEN=${FASHIONAI_APP_TOKEN:-bench-app-token-0123456789}

log() { printf '[connections] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

need=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v wrk >/dev/null || need+=(wrk)
command -v slowhttptest >/dev/null || need+=(slowhttptest)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ -n "${RESHELF_BIN:-}" ]; then
    RESHELF=$RESHELF_BIN
else
    (cd "$ROOT" && cargo build --release --quiet --bin reshelf)
    RESHELF=${CARGO_TARGET_DIR:-$ROOT/target}/release/reshelf
fi
# wrk needs a descriptor per connection; reshelf raises its own limit.
ulimit -n "$(ulimit -Hn)"

TMP=$(mktemp -d /tmp/reshelf-conns.XXXXXX)
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$OUT" "$TMP/docroot/static" "$TMP/tmp"
chmod 755 "$TMP"
head -c 1024 /dev/urandom >"$TMP/docroot/static/1k.bin"
chmod -R a+rX "$TMP/docroot"

PRIO=(nice -n 0)
[ "$RT" != 0 ] && PRIO=(chrt -f "$RT")
on() { # on CPU CMD...: CMD pinned to CPU when PIN=1
    local cpu=$1; shift
    if [ "$PIN" = 1 ]; then "${PRIO[@]}" taskset -c "$cpu" "$@"; else "${PRIO[@]}" "$@"; fi
}
# spawn CPU CMD...: CMD in the background, exec'd (the PID is its own, which cleanup stops).
spawn() {
    local cpu=$1; shift
    local -a cmd=("$@")
    [ "$PIN" = 1 ] && cmd=(taskset -c "$cpu" "${cmd[@]}")
    (exec "${PRIO[@]}" "${cmd[@]}" >/dev/null 2>&1) &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
}

# shellcheck disable=SC2034 # read by fill through ${!var}
{
    PREFIX=$TMP DOCROOT=$TMP/docroot ORIGIN_WORKERS=1 PROXY_WORKERS=1 PROXY_ACCESS_LOG=off
    WORKER_CONNECTIONS=16384 SIM_PORT=9
    NGINX_PROXY_BUFFERS="proxy_buffering off; proxy_buffer_size 64k; proxy_buffers 4 64k; proxy_busy_buffers_size 64k;"
}
fill() {
    local text var
    text=$(<"$1")
    for var in PREFIX DOCROOT ORIGIN_PORT PROXY_PORT RESHELF_PORT ADMIN_PORT SIM_PORT \
        ORIGIN_WORKERS PROXY_WORKERS PROXY_ACCESS_LOG NGINX_PROXY_BUFFERS WORKER_CONNECTIONS; do
        text=${text//@$var@/${!var:-}}
    done
    printf '%s\n' "$text" >"$2"
}
wait_http() {
    for _ in $(seq 100); do curl -fsS -o /dev/null --max-time 1 "$1" 2>/dev/null && return 0; sleep 0.1; done
    die "$1 did not come up"
}
fill "$HERE/nginx-origin.conf.in" "$TMP/origin.conf"
fill "$HERE/nginx-proxy.conf.in" "$TMP/proxy.conf"
spawn 1 "$NGINX" -p "$TMP" -e "$TMP/origin-error.log" -c "$TMP/origin.conf" -g 'daemon off;'
spawn 1 "$NGINX" -p "$TMP" -e "$TMP/proxy-error.log" -c "$TMP/proxy.conf" -g 'daemon off;'
wait_http "http://127.0.0.1:$ORIGIN_PORT/static/1k.bin"
wait_http "http://127.0.0.1:$PROXY_PORT/static/1k.bin"

RESHELF_PID=""
start_reshelf() { # start_reshelf [LISTEN KEYS]: a fresh reshelf (access log off)
    stop_reshelf
    fill "$HERE/reshelf.toml.in" "$TMP/reshelf.toml"
    [ -n "${1:-}" ] && sed -i "s/^\[listen\]$/[listen]\n$1/" "$TMP/reshelf.toml"
    # exec all the way down: the PID is reshelf's own (its RSS is read from /proc).
    local -a cmd=(env RUST_LOG=warn,reshelf::server=info "$RESHELF" serve --config "$TMP/reshelf.toml")
    [ "$PIN" = 1 ] && cmd=(taskset -c 1 "${cmd[@]}")
    (exec "${PRIO[@]}" "${cmd[@]}" 2>>"$OUT/reshelf.log" >/dev/null) &
    RESHELF_PID=$!
    PIDS+=("$RESHELF_PID")
    wait_http "http://127.0.0.1:$ADMIN_PORT/healthz"
}
stop_reshelf() {
    [ -z "$RESHELF_PID" ] && return 0
    kill -TERM "$RESHELF_PID" 2>/dev/null || true
    for _ in $(seq 150); do kill -0 "$RESHELF_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$RESHELF_PID" 2>/dev/null && die "reshelf $RESHELF_PID did not stop"
    RESHELF_PID=""
}
mib() { awk -v k="$(sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$RESHELF_PID/status")" 'BEGIN { printf "%.1f", k / 1024 }'; }
metric() { curl -fsS --max-time 2 "http://127.0.0.1:$ADMIN_PORT/metrics" | awk -v m="$1" '$1 == m { print $2 }' || true; }
result() { grep '^RESULT ' <<<"$1" | sed 's/^RESULT //'; }
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
wrk_run() { # wrk_run CONNS DURATION URL: one bounded wrk run on CPU 0; prints its RESULT fields
    local threads=2
    on 0 wrk -t"$threads" -c"$1" -d"$2" --timeout 5s --latency -s "$HERE/wrk.lua" "$3" </dev/null
}
# wait until reshelf serves no public connection (bounded: 30 s)
wait_drained() {
    for _ in $(seq 300); do [ "$(metric 'reshelf_connections_open{listener="public"}')" = 0 ] && return 0; sleep 0.1; done
    log "connections still open after 30 s"
}
row() { # row LABEL RESULT-FIELDS EXTRA
    local r=$2
    awk -v label="$1" -v n="$(field "$r" requests)" -v d="$(field "$r" duration_us)" \
        -v p50="$(field "$r" p50_us)" -v p99="$(field "$r" p99_us)" -v st="$(field "$r" status)" \
        -v c="$(field "$r" connect)" -v rd="$(field "$r" read)" -v w="$(field "$r" write)" \
        -v t="$(field "$r" timeout)" -v extra="$3" 'BEGIN {
        printf "| %s | %.0f | %d | %d | %d / %d / %d / %d | %.3f | %.3f | %s |\n", label, n / (d / 1e6),
            n - st, st, c, rd, w, t, p50 / 1000, p99 / 1000, extra }'
}

step() { [[ " $STEPS " == *" $1 "* ]]; }
load_avg() { cut -d' ' -f1-3 /proc/loadavg; }
rps() { awk -v n="$(field "$1" requests)" -v d="$(field "$1" duration_us)" 'BEGIN { printf "%.0f", n / (d / 1e6) }'; }
url="http://127.0.0.1:$RESHELF_PORT/static/1k.bin"

# --- 1. burst ----------------------------------------------------------------------------
burst_rows=()
burst() { # burst N: a fresh reshelf, N keep-alive connections, RSS before, during and after
    start_reshelf ""
    wrk_run 8 2s "$url" >/dev/null
    wait_drained
    sleep 2 # settle before the idle figure (a measurement pause, not synchronisation)
    local idle during open after_0 after_10 after_30 after_60 wrk_pid r
    idle=$(mib VmRSS)
    log "burst: $1 connections for $BURST_DURATION"
    on 0 wrk -t2 -c"$1" -d"$BURST_DURATION" --timeout 5s --latency -s "$HERE/wrk.lua" "$url" </dev/null >"$OUT/burst-$1-wrk.txt" &
    wrk_pid=$!
    sleep 3
    during=$(mib VmRSS)
    open=$(metric 'reshelf_connections_open{listener="public"}')
    wait "$wrk_pid"
    wait_drained
    # Measurement schedule: RSS 0, 10, 30 and 60 s after the last connection closed.
    after_0=$(mib VmRSS)
    sleep 10
    after_10=$(mib VmRSS)
    sleep 20
    after_30=$(mib VmRSS)
    sleep 30
    after_60=$(mib VmRSS)
    r=$(result "$(cat "$OUT/burst-$1-wrk.txt")")
    burst_rows+=("| $1 | $idle | $during ($open open) | $(mib VmHWM) | $after_0 | $after_10 | $after_30 | $after_60 | $(rps "$r") | $(load_avg) |")
}
if step burst; then
    for n in $BURST; do burst "$n"; done
fi

# --- 2. many connections -----------------------------------------------------------------
many_rows=()
step many && {
log "many: $CONNS connections, nginx proxy_pass then reshelf"
r=$(result "$(wrk_run "$CONNS" "$DURATION" "http://127.0.0.1:$PROXY_PORT/static/1k.bin")")
proxy_rps=$(awk -v n="$(field "$r" requests)" -v d="$(field "$r" duration_us)" 'BEGIN { print n / (d / 1e6) }')
many_rows+=("$(row "nginx proxy_pass" "$r" "")")
many_run() { # many_run LABEL LISTEN-KEYS
    start_reshelf "$2"
    local before r rps
    before=$(mib VmRSS)
    r=$(result "$(wrk_run "$CONNS" "$DURATION" "http://127.0.0.1:$RESHELF_PORT/static/1k.bin")")
    rps=$(awk -v n="$(field "$r" requests)" -v d="$(field "$r" duration_us)" -v b="$proxy_rps" 'BEGIN { printf "%.2f", n / (d / 1e6) / b }')
    many_rows+=("$(row "$1" "$r" "÷ proxy_pass $rps; refused connections $(metric 'reshelf_connections_refused_total{listener="public"}'); RSS idle $before MiB, after $(mib VmRSS) MiB, peak $(mib VmHWM) MiB")")
}
many_run "reshelf (budget from nofile)" ""
[ -n "$MANY_LISTEN" ] && many_run "reshelf, $MANY_LISTEN" "$MANY_LISTEN"
}

# --- 3. slowloris --------------------------------------------------------------------------
step slowloris && {
log "slowloris: $SLOW_CONNS connections (slowhttptest) while wrk times a shopper"
start_reshelf ""
# Not under RT priority: a SCHED_FIFO slowhttptest busy with 1000 sockets would starve wrk.
taskset -c 0 slowhttptest -H -c "$SLOW_CONNS" -r 500 -i 5 -x 24 -p 3 -l 40 -t GET \
    -u "http://127.0.0.1:$RESHELF_PORT/static/1k.bin" -g -o "$OUT/slowloris" \
    >"$OUT/slowhttptest.txt" 2>&1 &
slow_pid=$!
sleep 5 # let slowhttptest open its connections (measurement schedule)
open_slow=$(metric 'reshelf_connections_open{listener="public"}')
shopper=$(result "$(wrk_run 4 10s "$url")")
wait "$slow_pid" || true
head_timeouts=$(metric 'reshelf_connection_timeouts_total{kind="head"}')
}

# --- 4. rate -------------------------------------------------------------------------------
rate_rows=()
step rate && {
read -r -a rate_bins <<<"${RATE_BINS:-reshelf=$RESHELF}"
log "rate: $ROUNDS rounds of wrk -t2 -c16 -d$DURATION, nginx proxy_pass then ${rate_bins[*]%%=*}"
proxy_url="http://127.0.0.1:$PROXY_PORT/static/1k.bin"
# reshelf's CPU time (user + system, all threads) in clock ticks
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$RESHELF_PID/stat"; }
wrk_run 16 2s "$proxy_url" >/dev/null
for round in $(seq "$ROUNDS"); do
    p=$(rps "$(result "$(wrk_run 16 "$DURATION" "$proxy_url")")")
    rate_rows+=("$round proxy_pass $p 1.000 - $(load_avg | cut -d' ' -f1)")
    for bin in "${rate_bins[@]}"; do
        RESHELF=${bin#*=}
        start_reshelf ""
        wrk_run 16 2s "$url" >/dev/null
        t0=$(cpu_ticks)
        r=$(result "$(wrk_run 16 "$DURATION" "$url")")
        us=$(awk -v t="$(($(cpu_ticks) - t0))" -v hz="$(getconf CLK_TCK)" -v n="$(field "$r" requests)" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
        r=$(rps "$r")
        rate_rows+=("$round ${bin%%=*} $r $(awk -v p="$p" -v r="$r" 'BEGIN { printf "%.3f", r / p }') $us $(load_avg | cut -d' ' -f1)")
    done
done
stop_reshelf
}

{
    echo "## Connection run $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "- machine: $(nproc) CPUs, $(uname -r); reshelf $(git -C "$ROOT" rev-parse --short HEAD) (${RATE_BINS:-$RESHELF}); nofile hard limit $(ulimit -Hn); load average at the end $(load_avg)"
    echo "- pinned: wrk and slowhttptest on CPU 0, nginx (origin, proxy_pass) and reshelf on CPU 1 (PIN=$PIN, RT=$RT); access logs off"
    if step burst; then
        echo
        echo "| burst (wrk -t2 -cN -d$BURST_DURATION, 1 KiB) | RSS idle MiB | with N open | peak | right after | 10 s | 30 s | 60 s | req/s | load average |"
        echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
        printf '%s\n' "${burst_rows[@]}"
    fi
    if step many; then
        echo
        echo "| $CONNS keep-alive connections | req/s | answered | non-2xx | connect / read / write / timeout errors | p50 ms | p99 ms | notes |"
        echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
        printf '%s\n' "${many_rows[@]}"
    fi
    if step slowloris; then
        echo
        echo "Slowloris (slowhttptest -H -c $SLOW_CONNS -r 500 -i 5 -l 40): $open_slow public connections open at 5 s; head timeouts so far $head_timeouts; a shopper on 4 connections meanwhile: $(row shopper "$shopper" "")"
        echo
        echo '```'
        sed 's/\x1b\[[0-9;]*m//g' "$OUT/slowhttptest.txt" | grep -E 'closed|pending|connected|service available|Exit status' | tail -n 6 || true
        echo '```'
    fi
    if step rate; then
        echo
        echo "| rate round (wrk -t2 -c16 -d$DURATION, 1 KiB) | server | req/s | ÷ proxy_pass, same round | reshelf CPU µs per request | load average (1 min) |"
        echo "| --- | --- | ---: | ---: | ---: | ---: |"
        printf '%s\n' "${rate_rows[@]}" | awk '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }'
        printf '%s\n' "${rate_rows[@]}" | awk '
            function median(list,   n, a, i, j, t) {
                n = split(list, a, " ")
                for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
                return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
            }
            !($2 in seen) { seen[$2] = 1; order[++count] = $2 }
            { r[$2] = r[$2] " " $3; q[$2] = q[$2] " " $4; c[$2] = c[$2] " " $5 }
            END {
                for (i = 1; i <= count; i++) {
                    s = order[i]
                    printf "| median | %s | %.0f | %.3f | %s | |\n", s, median(r[s]), median(q[s]),
                        s == "proxy_pass" ? "-" : sprintf("%.1f", median(c[s]))
                }
            }'
    fi
} | tee "$OUT/report.md"
log "results: $OUT"
