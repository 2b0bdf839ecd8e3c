#!/usr/bin/env bash
# Load figures for reshelf: wrk against nginx direct (the origin), nginx proxy_pass to the same
# origin, and reshelf in front of it, in one run, on 127.0.0.1 only.
#
#   benches/load/run.sh                      # every case in cases.txt, both loads, once
#   REPEAT=3 benches/load/run.sh             # three rounds; the tables show medians
#   CASE_GROUPS="1k 64k" LOADS=moderate benches/load/run.sh
#   QUICK=1 benches/load/run.sh              # passthrough in under two minutes (see QUICK)
#
# Installs nginx, wrk and h2load (Debian packages) when missing, builds reshelf --release,
# starts:
#   origin    nginx serving /static/{1k,16k,64k,256k}.bin and /category/* (a real listing
#             page copied at run time from ../shared/fixtures/storefronts/html/); HTTP/1.1 on
#             ORIGIN_PORT, h2c (prior knowledge, `listen ... http2`) on ORIGIN_H2_PORT
#   proxy     nginx proxy_pass to the origin (keep-alive HTTP/1.1 upstream); HTTP/1.1 on
#             PROXY_PORT, h2c on PROXY_H2_PORT
#   sim       `reshelf sim` (Fashion.AI stand-in) with a catalog of the listing page's ids
#   reshelf   `reshelf serve` in front of the origin, the listing page as a [[pages]] route
#   reshelf_hang  (only when the listing-hang group runs) a second reshelf, the same config
#             but Fashion.AI is a second simulator that never answers (`--fault hang`); before
#             the cases it measures how soon the breaker opens under a fresh hang
# reshelf answers h2c prior knowledge on its one public port. Groups named h2-* are driven by
# h2load (HTTP/2 cleartext, prior knowledge) against the servers' h2c listeners, all others by
# wrk over HTTP/1.1.
# then runs every case of cases.txt under every load of LOADS, and prints markdown tables with
# req/s, p50/p99, CPU per request of the server under test, and the ratios; then the RSS of
# reshelf. Everything it starts is stopped on exit.
#
# Knobs (environment):
#   DURATION=10s          wrk duration of each measured run; WARMUP=2s before each case
#   LOADS="full moderate" load names; LOAD_<name> holds the wrk arguments and PACE_<name> the
#                         per-connection pause in ms (0 = closed loop, as fast as possible)
#   REPEAT=1              rounds over all cases (medians reported)
#   WARMUP_ROUNDS=$REPEAT rounds that warm up before each case (later rounds reuse the warm
#                         servers and connections pools)
#   H2LOAD_<name>         h2load arguments of load <name> for the h2-* groups (full: -t2 -c8
#                         -m4, 32 streams in flight like wrk's 32 connections; moderate: -t1
#                         -c8 -m1 --rps=400, about wrk's paced rate)
#   QUICK=0               1: the developer's passthrough check (issue 16), under two minutes:
#                         groups 1k 16k h2-1k h2-16k, the full load, 3 rounds of 2 s, 1 s
#                         warm-up in the first round only
#   CASE_GROUPS=""        only these case groups (default: all in CASES)
#   CASES=cases.txt       case file (format in its header)
#   PIN=1                 pin with taskset: wrk (and the simulator, a remote API in real
#                         life) on CPU_CLIENT; the proxy under test (nginx proxy_pass,
#                         reshelf) on CPU_SERVER, the nginx origin on CPU_ORIGIN; PIN=0 lets
#                         the scheduler place everything
#   CPU_CLIENT=0 CPU_SERVER=1 CPU_ORIGIN=$CPU_SERVER
#                         (origin beside the proxy: wrk gets a core of its own and can
#                         saturate the server core; with the origin beside wrk, wrk and the
#                         origin were the bottleneck and the proxy core sat a third idle)
#   NICE=0                niceness of wrk and every server (as root, -10 shields the
#                         measurement from other work on the machine, e.g. compilers)
#   RT=0                  >0: run wrk and every server under SCHED_FIFO at this priority
#                         (chrt), so that other work on the machine cannot delay a wake-up;
#                         runs are bounded and the kernel keeps 5% of each CPU for others
#   ACCESS_LOG=on         nginx proxy writes an access log and reshelf logs at info (one
#                         access line per request), both to files; off: neither logs requests
#   STREAM_LISTINGS=true  reshelf's listen.stream_listings (false: the buffered listing flow)
#   PROFILE=0             1: `perf record` reshelf during each of its cases (flat profile,
#                         perf-LOAD-GROUP-VARIANT.txt in OUT; needs linux-perf). Profiling
#                         costs CPU: do not quote the figures of a profiled run.
#   PERF_ARGS="-F 999"    perf record options (add -g for kernel call chains)
#   NGINX_PROXY_BUFFERS   buffer directives of the proxy_pass location (default: buffering
#                         off, 64k buffer: nginx streams like reshelf and with its cheapest
#                         setting measured here; "" = nginx defaults)
#   RESHELF_B_BIN=""      a second reshelf binary (e.g. a change under test) run beside the first,
#                         same config, on RESHELF_B_PORT/ADMIN_B_PORT: every reshelf case is also
#                         run against it (variant reshelf_b), the two alternating which goes
#                         first each round; a last table gives reshelf_b ÷ reshelf per round
#   RESHELF_ENV="" RESHELF_B_ENV=""  NAME=VALUE words put in the environment of reshelf and
#                         of reshelf_b (e.g. to compare settings read from the environment)
#   OUT=<dir>             where results.tsv, the tables and the logs are kept
#                         (default: a new directory under target/load/)
#   ORIGIN_PORT PROXY_PORT RESHELF_PORT ADMIN_PORT SIM_PORT   (defaults 18081..18085)
#   SIM_HANG_PORT RESHELF_HANG_PORT ADMIN_HANG_PORT            (defaults 18086..18088)
#   ORIGIN_H2_PORT PROXY_H2_PORT                               (defaults 18089, 18090)
#   LISTING_FILE          fixture file name (default the ~480 KB BigCommerce page)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
FIXTURES=${FIXTURES:-$ROOT/../shared/fixtures/storefronts/html}
LISTING_FILE=${LISTING_FILE:-bigcommerce_halo_fumari_mix_series_category.html}

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
    CASE_GROUPS=${CASE_GROUPS:-"1k 16k h2-1k h2-16k"}
    LOADS=${LOADS:-full}
    REPEAT=${REPEAT:-3}
    DURATION=${DURATION:-2s}
    WARMUP=${WARMUP:-1s}
    WARMUP_ROUNDS=${WARMUP_ROUNDS:-1}
fi
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
LOADS=${LOADS:-"full moderate"}
LOAD_full=${LOAD_full:-"-t2 -c32"}
PACE_full=${PACE_full:-0}
LOAD_moderate=${LOAD_moderate:-"-t1 -c8"}
PACE_moderate=${PACE_moderate:-2}
REPEAT=${REPEAT:-1}
WARMUP_ROUNDS=${WARMUP_ROUNDS:-$REPEAT}
H2LOAD_full=${H2LOAD_full:-"-t2 -c8 -m4"}
H2LOAD_moderate=${H2LOAD_moderate:-"-t1 -c8 -m1 --rps=400"}
CASE_GROUPS=${CASE_GROUPS:-}
CASES=${CASES:-$HERE/cases.txt}
PIN=${PIN:-1}
CPU_CLIENT=${CPU_CLIENT:-0}
CPU_SERVER=${CPU_SERVER:-1}
CPU_ORIGIN=${CPU_ORIGIN:-$CPU_SERVER}
ACCESS_LOG=${ACCESS_LOG:-on}
PROFILE=${PROFILE:-0}
STREAM_LISTINGS=${STREAM_LISTINGS:-true}
PERF_ARGS=${PERF_ARGS:-"-F 999"}
NICE=${NICE:-0}
RT=${RT:-0}
NGINX_PROXY_BUFFERS=${NGINX_PROXY_BUFFERS-"proxy_buffering off; proxy_buffer_size 64k; proxy_buffers 4 64k; proxy_busy_buffers_size 64k;"}
ORIGIN_PORT=${ORIGIN_PORT:-18081}
PROXY_PORT=${PROXY_PORT:-18082}
RESHELF_PORT=${RESHELF_PORT:-18083}
ADMIN_PORT=${ADMIN_PORT:-18084}
SIM_PORT=${SIM_PORT:-18085}
SIM_HANG_PORT=${SIM_HANG_PORT:-18086}
RESHELF_HANG_PORT=${RESHELF_HANG_PORT:-18087}
ADMIN_HANG_PORT=${ADMIN_HANG_PORT:-18088}
ORIGIN_H2_PORT=${ORIGIN_H2_PORT:-18089}
PROXY_H2_PORT=${PROXY_H2_PORT:-18090}
RESHELF_B_PORT=${RESHELF_B_PORT:-18091}
ADMIN_B_PORT=${ADMIN_B_PORT:-18092}
RESHELF_B_BIN=${RESHELF_B_BIN:-}
OUT=${OUT:-$ROOT/target/load/$(date +%Y%m%d-%H%M%S)}

export FASHIONAI_APP_TOKEN=${FASHIONAI_APP_TOKEN:-bench-app-token-0123456789}

log() { printf '[load] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- tools ---------------------------------------------------------------------------------
need_apt=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need_apt+=(nginx-light)
command -v wrk >/dev/null || need_apt+=(wrk)
command -v h2load >/dev/null || need_apt+=(nghttp2-client)
command -v taskset >/dev/null || need_apt+=(util-linux)
command -v curl >/dev/null || need_apt+=(curl)
[ "${PROFILE:-0}" = 1 ] && ! command -v perf >/dev/null && need_apt+=(linux-perf)
if [ ${#need_apt[@]} -gt 0 ]; then
    log "installing ${need_apt[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

[ -f "$FIXTURES/$LISTING_FILE" ] || die "$FIXTURES/$LISTING_FILE not found (run beside ../shared)"

# RESHELF_BIN: a reshelf binary to measure instead of building this tree's (e.g. another
# commit's, for a before/after comparison in one run).
if [ -n "${RESHELF_BIN:-}" ]; then
    RESHELF=$RESHELF_BIN
else
    log "building reshelf (release)"
    (cd "$ROOT" && cargo build --release --quiet --bin reshelf)
    RESHELF=${CARGO_TARGET_DIR:-$ROOT/target}/release/reshelf
fi
# nginx's worker_connections (both nginx servers).
WORKER_CONNECTIONS=${WORKER_CONNECTIONS:-4096}

# --- processes and cleanup -----------------------------------------------------------------
TMP=$(mktemp -d /tmp/reshelf-load.XXXXXX)
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        # Bounded wait: nginx and reshelf stop within a second when idle.
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
# nginx workers run as an unprivileged user when started as root; they must read the files.
chmod 755 "$TMP"
mkdir -p "$TMP/docroot/static" "$TMP/tmp"

# How every measured process is started: niceness NICE, or real-time FIFO priority RT.
PRIO=(nice -n "$NICE")
[ "$RT" != 0 ] && PRIO=(chrt -f "$RT")

# pin CPU CMD...: runs CMD on CPU $1 when PIN=1, with PRIO.
pin() {
    local cpu=$1; shift
    if [ "$PIN" = 1 ]; then
        "${PRIO[@]}" taskset -c "$cpu" "$@"
    else
        "${PRIO[@]}" "$@"
    fi
}

# spawn CPU CMD...: starts CMD in the background (pinned like `pin`) and records its PID in
# PIDS and LAST_PID. The subshell execs, so the PID is the server's own, which cleanup stops
# and /proc is read for.
spawn() {
    local cpu=$1; shift
    if [ "$PIN" = 1 ]; then
        (exec "${PRIO[@]}" taskset -c "$cpu" "$@") &
    else
        (exec "${PRIO[@]}" "$@") &
    fi
    LAST_PID=$!
    PIDS+=("$LAST_PID")
}

fill() { # fill TEMPLATE OUTPUT: replaces @NAME@ with the value of shell variable NAME
    local text var
    text=$(<"$1")
    for var in PREFIX DOCROOT ORIGIN_PORT PROXY_PORT RESHELF_PORT ADMIN_PORT SIM_PORT \
        ORIGIN_H2_PORT PROXY_H2_PORT ORIGIN_WORKERS PROXY_WORKERS PROXY_ACCESS_LOG \
        NGINX_PROXY_BUFFERS WORKER_CONNECTIONS STREAM_LISTINGS; do
        text=${text//@$var@/${!var:-}}
    done
    printf '%s\n' "$text" >"$2"
}

wait_http() { # wait_http URL [curl args]: until it answers, at most 10 s
    for _ in $(seq 100); do
        curl -fsS -o /dev/null --max-time 1 "${@:2}" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    die "$1 did not come up"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# wants_group GROUP: whether CASE_GROUPS selects it (all groups when empty).
wants_group() { [ -z "$CASE_GROUPS" ] || [[ " $CASE_GROUPS " == *" $1 "* ]]; }
EXTRA_PORTS=()
wants_group listing-hang && EXTRA_PORTS=("$SIM_HANG_PORT" "$RESHELF_HANG_PORT" "$ADMIN_HANG_PORT")
[ -n "$RESHELF_B_BIN" ] && EXTRA_PORTS+=("$RESHELF_B_PORT" "$ADMIN_B_PORT")
for p in "$ORIGIN_PORT" "$PROXY_PORT" "$ORIGIN_H2_PORT" "$PROXY_H2_PORT" "$RESHELF_PORT" \
    "$ADMIN_PORT" "$SIM_PORT" "${EXTRA_PORTS[@]}"; do
    port_free "$p" || die "port $p on 127.0.0.1 is in use; set *_PORT"
done

# --- content -------------------------------------------------------------------------------
head -c 1024 /dev/urandom >"$TMP/docroot/static/1k.bin"
head -c 16384 /dev/urandom >"$TMP/docroot/static/16k.bin"
head -c 65536 /dev/urandom >"$TMP/docroot/static/64k.bin"
head -c 262144 /dev/urandom >"$TMP/docroot/static/256k.bin"
# Copied at run time, never committed (the fixtures stay in ../shared).
cp "$FIXTURES/$LISTING_FILE" "$TMP/docroot/listing.html"
chmod -R a+rX "$TMP/docroot"
LISTING_BYTES=$(stat -c %s "$TMP/docroot/listing.html")

# A simulator catalog holding the page's product ids in category "fumari", so rankings name
# products that are on the page and reshelf really reorders it.
ids=$(grep -o 'data-product-id="[^"]*"' "$TMP/docroot/listing.html" | cut -d'"' -f2 | sort -u)
{
    printf '{"categories": [{"id": "fumari", "name": "Fumari"}], "products": ['
    sep=""
    for id in $ids; do
        printf '%s{"id": "%s", "name": "Product %s", "category": "fumari", "price": 10}' \
            "$sep" "$id" "$id"
        sep=", "
    done
    printf ']}\n'
} >"$TMP/catalog.json"

# --- servers -------------------------------------------------------------------------------
# Read by fill() through ${!var}.
# shellcheck disable=SC2034
PREFIX=$TMP
# shellcheck disable=SC2034
DOCROOT=$TMP/docroot
if [ "$PIN" = 1 ]; then SERVER_CPUS=1; else SERVER_CPUS=$(nproc); fi
# shellcheck disable=SC2034
ORIGIN_WORKERS=$SERVER_CPUS
# shellcheck disable=SC2034
PROXY_WORKERS=$SERVER_CPUS
if [ "$ACCESS_LOG" = on ]; then
    PROXY_ACCESS_LOG="$OUT/proxy-access.log"
    RESHELF_LOG_LEVEL=info
else
    # shellcheck disable=SC2034
    PROXY_ACCESS_LOG=off
    RESHELF_LOG_LEVEL=warn
fi
fill "$HERE/nginx-origin.conf.in" "$TMP/nginx-origin.conf"
fill "$HERE/nginx-proxy.conf.in" "$TMP/nginx-proxy.conf"
fill "$HERE/reshelf.toml.in" "$TMP/reshelf.toml"

log "starting nginx origin on :$ORIGIN_PORT, nginx proxy_pass on :$PROXY_PORT"
spawn "$CPU_ORIGIN" "$NGINX" -p "$TMP" -e "$TMP/origin-error.log" -c "$TMP/nginx-origin.conf" \
    -g 'daemon off;'
ORIGIN_PID=$LAST_PID
spawn "$CPU_SERVER" "$NGINX" -p "$TMP" -e "$TMP/proxy-error.log" -c "$TMP/nginx-proxy.conf" \
    -g 'daemon off;'
PROXY_PID=$LAST_PID

log "starting reshelf sim on :$SIM_PORT and reshelf on :$RESHELF_PORT"
spawn "$CPU_CLIENT" "$RESHELF" sim --listen "127.0.0.1:$SIM_PORT" \
    --catalog "$TMP/catalog.json" --min-events 0 >"$OUT/sim.log" 2>&1
# shellcheck disable=SC2034 # for cases that will add the simulator's CPU or fault it
SIM_PID=$LAST_PID
# shellcheck disable=SC2086 # RESHELF_ENV is a list of NAME=VALUE words
spawn "$CPU_SERVER" env RUST_LOG="$RESHELF_LOG_LEVEL" ${RESHELF_ENV:-} "$RESHELF" serve \
    --config "$TMP/reshelf.toml" >"$OUT/reshelf.log" 2>&1
RESHELF_PID=$LAST_PID
RESHELF_B_PID=""
if [ -n "$RESHELF_B_BIN" ]; then
    log "starting reshelf_b ($RESHELF_B_BIN) on :$RESHELF_B_PORT"
    RESHELF_PORT=$RESHELF_B_PORT ADMIN_PORT=$ADMIN_B_PORT fill "$HERE/reshelf.toml.in" "$TMP/reshelf-b.toml"
    # shellcheck disable=SC2086 # RESHELF_B_ENV is a list of NAME=VALUE words
    spawn "$CPU_SERVER" env RUST_LOG="$RESHELF_LOG_LEVEL" ${RESHELF_B_ENV:-} "$RESHELF_B_BIN" serve \
        --config "$TMP/reshelf-b.toml" >"$OUT/reshelf-b.log" 2>&1
    RESHELF_B_PID=$LAST_PID
fi
RESHELF_HANG_PID=""
if wants_group listing-hang; then
    log "starting a hanging reshelf sim on :$SIM_HANG_PORT and reshelf_hang on :$RESHELF_HANG_PORT"
    RESHELF_PORT=$RESHELF_HANG_PORT ADMIN_PORT=$ADMIN_HANG_PORT SIM_PORT=$SIM_HANG_PORT \
        fill "$HERE/reshelf.toml.in" "$TMP/reshelf-hang.toml"
    spawn "$CPU_CLIENT" "$RESHELF" sim --listen "127.0.0.1:$SIM_HANG_PORT" \
        --catalog "$TMP/catalog.json" --min-events 0 --fault hang >"$OUT/sim-hang.log" 2>&1
    spawn "$CPU_SERVER" env RUST_LOG="$RESHELF_LOG_LEVEL" "$RESHELF" serve \
        --config "$TMP/reshelf-hang.toml" >"$OUT/reshelf-hang.log" 2>&1
    RESHELF_HANG_PID=$LAST_PID
fi

wait_http "http://127.0.0.1:$ORIGIN_PORT/static/1k.bin"
wait_http "http://127.0.0.1:$PROXY_PORT/static/1k.bin"
wait_http "http://127.0.0.1:$ORIGIN_H2_PORT/static/1k.bin" --http2-prior-knowledge
wait_http "http://127.0.0.1:$PROXY_H2_PORT/static/1k.bin" --http2-prior-knowledge
wait_http "http://127.0.0.1:$ADMIN_PORT/readyz"
[ -n "$RESHELF_HANG_PID" ] && wait_http "http://127.0.0.1:$ADMIN_HANG_PORT/readyz"
[ -n "$RESHELF_B_PID" ] && wait_http "http://127.0.0.1:$ADMIN_B_PORT/readyz"

# server name -> base URL, and the PIDs whose CPU time is that server's cost.
declare -A URL=(
    [direct]="http://127.0.0.1:$ORIGIN_PORT"
    [proxy_pass]="http://127.0.0.1:$PROXY_PORT"
    [reshelf]="http://127.0.0.1:$RESHELF_PORT"
    [reshelf_hang]="http://127.0.0.1:$RESHELF_HANG_PORT"
    [reshelf_b]="http://127.0.0.1:$RESHELF_B_PORT"
)
# The same servers over h2c with prior knowledge (the h2-* groups): nginx on ports of their own,
# reshelf on its one public port.
declare -A URL_H2=(
    [direct]="http://127.0.0.1:$ORIGIN_H2_PORT"
    [proxy_pass]="http://127.0.0.1:$PROXY_H2_PORT"
    [reshelf]="http://127.0.0.1:$RESHELF_PORT"
    [reshelf_b]="http://127.0.0.1:$RESHELF_B_PORT"
)
server_pids() {
    case $1 in
        direct) echo "$ORIGIN_PID $(pgrep -P "$ORIGIN_PID" | tr '\n' ' ')" ;;
        proxy_pass) echo "$PROXY_PID $(pgrep -P "$PROXY_PID" | tr '\n' ' ')" ;;
        reshelf) echo "$RESHELF_PID" ;;
        reshelf_hang) echo "$RESHELF_HANG_PID" ;;
        reshelf_b) echo "$RESHELF_B_PID" ;;
    esac
}
cpu_ticks() { # summed utime+stime (clock ticks) of the given PIDs
    local t=0 pid f
    for pid in "$@"; do
        # Fields after the ")" of the command name: utime is the 12th, stime the 13th.
        f=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
        set -- $f
        t=$((t + ${12} + ${13}))
    done
    echo "$t"
}
TICKS=$(getconf CLK_TCK)

# Sanity: the listing page comes back whole through every server, and reshelf says what it did;
# every server answers h2c with prior knowledge as HTTP/2.
for s in direct proxy_pass reshelf; do
    got=$(curl -fsS -o /dev/null -w '%{size_download}' "${URL[$s]}/category/fumari")
    [ "$got" -gt $((LISTING_BYTES / 2)) ] || die "$s served only $got bytes of the listing page"
    got=$(curl -fsS -o /dev/null --http2-prior-knowledge -w '%{http_version} %{size_download}' \
        "${URL_H2[$s]}/static/16k.bin")
    [ "$got" = "2 16384" ] || die "$s over h2c answered '$got' (HTTP version, bytes), not '2 16384'"
done
# wrk sends no User-Agent, which reshelf does not count as a crawler; curl's would be.
LISTING_XRESHELF=$(curl -fsS -o /dev/null -D - -H 'User-Agent:' \
    -H 'Cookie: reshelf_sid=benchprobe0001' "${URL[reshelf]}/category/fumari" |
    tr -d '\r' | sed -n 's/^[Xx]-[Rr]eshelf: //p')
log "listing page through reshelf: X-Reshelf: ${LISTING_XRESHELF:-<absent>}"

# --- breaker under a fresh hang ------------------------------------------------------------
# Before any case touches reshelf_hang its breaker is closed and its cache empty: drive listing
# pages (new session each, the moderate load) for BREAKER_RUN and poll the admin metrics until
# reshelf_breaker_state reads 1 (open). Pages before that wait the whole budget; the wrk
# latencies of this window show the budget bound, the open time how soon pages stop waiting.
BREAKER_RUN=${BREAKER_RUN:-3s}
BREAKER_LINE=""
if [ -n "$RESHELF_HANG_PID" ]; then
    log "breaker: listing pages against reshelf_hang for $BREAKER_RUN, polling its state"
    metrics_url="http://127.0.0.1:$ADMIN_HANG_PORT/metrics"
    read -r -a moderate_args <<<"$LOAD_moderate"
    pin "$CPU_CLIENT" env PACE_MS="$PACE_moderate" COLD_SESSION=1 wrk "${moderate_args[@]}" \
        --latency -s "$HERE/wrk.lua" -d "$BREAKER_RUN" \
        "${URL[reshelf_hang]}/category/fumari" </dev/null >"$OUT/breaker-wrk.txt" &
    wrk_pid=$!
    PIDS+=("$wrk_pid")
    started=$(date +%s%N)
    opened=""
    while kill -0 "$wrk_pid" 2>/dev/null; do
        # A slow or failed poll is a missed sample, not the end of the run.
        state=$(curl -fsS --max-time 1 "$metrics_url" | awk '$1 == "reshelf_breaker_state" {print $2}') ||
            state=""
        if [ -z "$opened" ] && [ "$state" = 1 ]; then opened=$(date +%s%N); fi
        # Polling the state, not synchronising on it: 10 ms is the resolution of the figure.
        sleep 0.01
    done
    wait "$wrk_pid" || die "wrk failed in the breaker run"
    line=$(grep '^RESULT ' "$OUT/breaker-wrk.txt") || die "no RESULT from wrk in the breaker run"
    declare -A b=()
    for kv in ${line#RESULT }; do b[${kv%%=*}]=${kv#*=}; done
    opened_ms=never
    [ -n "$opened" ] && opened_ms=$(((opened - started) / 1000000))
    BREAKER_LINE=$(awk -v o="$opened_ms" -v n="${b[requests]}" -v p50="${b[p50_us]}" \
        -v p99="${b[p99_us]}" -v max="${b[max_us]}" -v run="$BREAKER_RUN" 'BEGIN {
        printf "breaker under a fresh hang (moderate load, new session per page, %s): open %s ms after the first page; %d pages, p50 %.3f ms, p99 %.3f ms, max %.3f ms", run, o, n, p50 / 1000, p99 / 1000, max / 1000 }')
    log "$BREAKER_LINE"
fi

# --- runs ----------------------------------------------------------------------------------
RESULTS=$OUT/results.tsv
printf 'round\tload\tgroup\tvariant\tserver\trps\tp50_ms\tp90_ms\tp99_ms\terrors\tcpu_us_per_req\n' >"$RESULTS"

# h2load_result OUTPUT LOGFILE: one RESULT line in wrk.lua's format from h2load's summary and
# its per-request log (tab-separated: start µs, status, µs to the end of the response).
h2load_result() {
    local text=$1 log=$2 secs failed errored timeout bad
    secs=$(sed -n 's/^finished in \([0-9.]*\)s, .*/\1/p' <<<"$text")
    [ -n "$secs" ] || return 1
    read -r failed errored timeout < <(sed -n \
        's/^requests: .* \([0-9]*\) failed, \([0-9]*\) errored, \([0-9]*\) timeout$/\1 \2 \3/p' \
        <<<"$text")
    bad=$(awk -F'\t' '$2 !~ /^2/ { n++ } END { print n + 0 }' "$log")
    cut -f3 "$log" | sort -n | awk -v secs="$secs" -v failed="${failed:-0}" \
        -v errored="${errored:-0}" -v timeout="${timeout:-0}" -v bad="$bad" '
        { t[NR] = $1 }
        function pct(p,   i) { i = int(NR * p / 100 + 0.5); if (i < 1) i = 1; return t[i] }
        END {
            printf "RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d ", NR,
                secs * 1e6, pct(50), pct(90), pct(99), t[NR]
            printf "connect=0 read=%d write=0 status=%d timeout=%d\n", failed + errored, bad, timeout
        }'
}

# run_case ROUND LOAD GROUP VARIANT SERVER PATH [NAME=VALUE ...] [wrk args ...]
# Groups named h2-* run h2load (H2LOAD_<load>, h2c prior knowledge) instead of wrk; the words
# after PATH are then h2load arguments, and of the NAME=VALUE words only RPS applies: it
# replaces the load's --rps (requests per second per h2load client).
run_case() {
    local round=$1 load=$2 group=$3 variant=$4 server=$5 path=$6
    shift 6
    local -a envs=() wrk_extra=()
    # NAME=VALUE applies to every load, NAME@LOAD=VALUE only to that load.
    while [ $# -gt 0 ] && [[ $1 =~ ^([A-Z_]+)(@[a-z_]+)?=(.*)$ ]]; do
        if [ -z "${BASH_REMATCH[2]}" ] || [ "${BASH_REMATCH[2]}" = "@$load" ]; then
            envs+=("${BASH_REMATCH[1]}=${BASH_REMATCH[3]}")
        fi
        shift
    done
    wrk_extra=("$@")
    local load_args_var="LOAD_$load" pace_var="PACE_$load"
    local -a load_args
    read -r -a load_args <<<"${!load_args_var}"
    local url=${URL[$server]:?unknown server $server}$path
    local -a wrk_cmd=(wrk "${load_args[@]}" --latency -s "$HERE/wrk.lua" "${wrk_extra[@]}")
    local -a wrk_env=(env PACE_MS="${!pace_var}" "${envs[@]}")
    local h2log="" dflag=-d
    if [[ $group == h2-* ]]; then
        local h2_args_var="H2LOAD_$load"
        read -r -a load_args <<<"${!h2_args_var}"
        local e i
        for e in "${envs[@]}"; do
            [[ $e == RPS=* ]] || continue
            for i in "${!load_args[@]}"; do
                [[ ${load_args[$i]} == --rps=* ]] && load_args[i]=--rps=${e#RPS=}
            done
        done
        url=${URL_H2[$server]:?no h2c listener for $server}$path
        h2log=$TMP/h2load-requests.tsv
        wrk_cmd=(h2load "${load_args[@]}" --log-file "$h2log" "${wrk_extra[@]}")
        wrk_env=(env)
        dflag=-D
    fi

    if [ "$round" -le "$WARMUP_ROUNDS" ]; then
        pin "$CPU_CLIENT" "${wrk_env[@]}" "${wrk_cmd[@]}" "$dflag" "$WARMUP" "$url" </dev/null >/dev/null
    fi
    [ -n "$h2log" ] && rm -f "$h2log"
    local pids before after out
    pids=$(server_pids "$server")
    # shellcheck disable=SC2086
    before=$(cpu_ticks $pids)
    local perf_pid="" perf_data=""
    if [ "$PROFILE" = 1 ] && [ "$server" = reshelf ]; then
        # A flat profile of reshelf while wrk runs: self cost per function, kernel included.
        perf_data="$OUT/perf-$load-$group-$variant.data"
        # shellcheck disable=SC2086 # PERF_ARGS is a list of words
        perf record -q $PERF_ARGS -p "$RESHELF_PID" -o "$perf_data" -- sleep "${DURATION%s}" \
            </dev/null >/dev/null 2>&1 &
        perf_pid=$!
    fi
    out=$(pin "$CPU_CLIENT" "${wrk_env[@]}" "${wrk_cmd[@]}" "$dflag" "$DURATION" "$url" </dev/null)
    if [ -n "$perf_pid" ]; then
        wait "$perf_pid" || true
        perf report -i "$perf_data" --stdio --no-children --percent-limit 0.7 2>/dev/null |
            grep -v '^#' | grep -v '^$' >"${perf_data%.data}.txt" || true
        log "profile: ${perf_data%.data}.txt"
    fi
    # shellcheck disable=SC2086
    after=$(cpu_ticks $pids)
    printf '%s\n' "$out" >>"$OUT/wrk-output.txt"
    local line
    if [ -n "$h2log" ]; then
        line=$(h2load_result "$out" "$h2log") || die "no summary from h2load for $group/$variant"
    else
        line=$(grep '^RESULT ' <<<"$out") || die "no RESULT from wrk for $group/$variant"
    fi
    declare -A r=()
    local kv
    for kv in ${line#RESULT }; do r[${kv%%=*}]=${kv#*=}; done
    local errors=$((r[connect] + r[read] + r[write] + r[status] + r[timeout]))
    awk -v round="$round" -v load="$load" -v group="$group" -v variant="$variant" \
        -v server="$server" -v n="${r[requests]}" -v dur="${r[duration_us]}" \
        -v p50="${r[p50_us]}" -v p90="${r[p90_us]}" -v p99="${r[p99_us]}" -v errors="$errors" \
        -v ticks=$((after - before)) -v hz="$TICKS" 'BEGIN {
            cpu = n > 0 ? ticks / hz * 1e6 / n : 0
            printf "%s\t%s\t%s\t%s\t%s\t%.0f\t%.3f\t%.3f\t%.3f\t%d\t%.1f\n", round, load, group,
                variant, server, n / (dur / 1e6), p50 / 1000, p90 / 1000, p99 / 1000, errors, cpu
        }' >>"$RESULTS"
    log "$(tail -n 1 "$RESULTS" | tr '\t' ' ')"
}

LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
RUN_START=$(date +%s)
extra=()
for round in $(seq "$REPEAT"); do
    for load in $LOADS; do
        while read -r group variant server path rest; do
            [ -z "${group:-}" ] || [[ $group == \#* ]] && continue
            if [ -n "$CASE_GROUPS" ] && [[ " $CASE_GROUPS " != *" $group "* ]]; then continue; fi
            eval "extra=($rest)"
            if [ -n "$RESHELF_B_PID" ] && [ "$server" = reshelf ]; then
                # Both builds, alternating which goes first, so neither always runs on the
                # connections and caches the other just warmed.
                order=(reshelf reshelf_b)
                [ $((round % 2)) = 0 ] && order=(reshelf_b reshelf)
                for s in "${order[@]}"; do
                    v=$variant; [ "$s" = reshelf_b ] && v=${variant}_b
                    run_case "$round" "$load" "$group" "$v" "$s" "$path" "${extra[@]}"
                done
                continue
            fi
            run_case "$round" "$load" "$group" "$variant" "$server" "$path" "${extra[@]}"
        done <"$CASES"
    done
done

# --- report --------------------------------------------------------------------------------
LOADAVG_END=$(cut -d' ' -f1-3 /proc/loadavg)
RUN_SECONDS=$(($(date +%s) - RUN_START))
# reshelf's own view of the run (phase histograms: origin, ranking call, rewrite).
curl -fsS "http://127.0.0.1:$ADMIN_PORT/metrics" >"$OUT/reshelf-metrics.txt" || true
[ -n "$RESHELF_HANG_PID" ] &&
    { curl -fsS "http://127.0.0.1:$ADMIN_HANG_PORT/metrics" >"$OUT/reshelf-hang-metrics.txt" || true; }
rss_kb() { sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status"; }
RESHELF_RSS=$(rss_kb "$RESHELF_PID" VmRSS)
RESHELF_HWM=$(rss_kb "$RESHELF_PID" VmHWM)
PROXY_RSS=0
for pid in $PROXY_PID $(pgrep -P "$PROXY_PID"); do
    PROXY_RSS=$((PROXY_RSS + $(rss_kb "$pid" VmRSS)))
done

{
    echo "## Load run $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "- machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(uname -r)"
    echo "- wrk $(wrk -v 2>&1 | head -n1 | awk '{print $2}'), h2load $(h2load --version 2>&1 | awk '{print $2}'), $("$NGINX" -v 2>&1 | sed 's/^.*: //'), reshelf ${RESHELF_BIN:-$(git -C "$ROOT" rev-parse --short HEAD)}${RESHELF_B_BIN:+, reshelf_b $RESHELF_B_BIN}"
    echo "- load average (1/5/15 min) before the cases: $LOADAVG_START; after: $LOADAVG_END; cases took ${RUN_SECONDS} s"
    if [ "$PIN" = 1 ]; then
        echo "- pinned (taskset): wrk and simulator on CPU $CPU_CLIENT; nginx proxy_pass (1 worker) and reshelf on CPU $CPU_SERVER; nginx origin (1 worker) on CPU $CPU_ORIGIN"
    else
        echo "- not pinned: everything shares all CPUs"
    fi
    echo "- duration $DURATION per run after $WARMUP warm-up (rounds 1..$WARMUP_ROUNDS), $REPEAT round(s) (medians), access log $ACCESS_LOG, reshelf stream_listings $STREAM_LISTINGS, started with: ${PRIO[*]}"
    echo "- nginx proxy_pass buffering: ${NGINX_PROXY_BUFFERS:-nginx defaults}"
    for load in $LOADS; do
        v="LOAD_$load"; p="PACE_$load"
        h="H2LOAD_$load"
        echo "- load \`$load\`: wrk ${!v} --latency$( [ "${!p}" != 0 ] && echo ", each connection pausing ${!p} ms before each request"); h2-* groups: h2load ${!h} (h2c prior knowledge)"
    done
    overrides=$(grep -v '^#' "$CASES" | grep -o '[A-Z_]*@[a-z_]*=[^ ]*' | sort -u | tr '\n' ' ' || true)
    [ -n "$overrides" ] && echo "- per-case settings in $(basename "$CASES"): $overrides(see the file)"
    echo "- listing page: $LISTING_FILE ($LISTING_BYTES bytes); through reshelf: X-Reshelf: ${LISTING_XRESHELF:-<absent>}"
    [ -n "$BREAKER_LINE" ] && echo "- $BREAKER_LINE"
    echo "- RSS after the run: reshelf $((RESHELF_RSS / 1024)) MiB (peak $((RESHELF_HWM / 1024)) MiB); nginx proxy_pass master+workers $((PROXY_RSS / 1024)) MiB"
    echo
    awk -F'\t' -v loads="$LOADS" -f "$HERE/report.awk" "$RESULTS"
    if [ -n "$RESHELF_B_PID" ]; then awk -F'\t' -f "$HERE/report-b.awk" "$RESULTS"; fi
} | tee "$OUT/report.md"
log "results: $OUT"
