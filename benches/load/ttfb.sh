#!/usr/bin/env bash
# When the shopper's browser gets a category page, streamed: an origin that flushes its head
# at once, pauses 150 ms (its product query), then sends the rest of the real ~480 KB
# BigCommerce page at 4 MB/s; the Fashion.AI simulator answers each new session's ranking
# after 80 ms. Timed one request at a time (new connection, new session), against the origin
# directly, nginx proxy_pass (buffering off) and reshelf with stream_listings on and off.
#
#   benches/load/ttfb.sh            # RUNS=30 per target
#
# Prints, per target, median/p90 ms of: response head, first body byte, the end of the
# listing (the first bytes holding the text that follows it), last byte. 127.0.0.1 only.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
FIXTURES=${FIXTURES:-$ROOT/../shared/fixtures/storefronts/html}
PAGE=${PAGE:-$FIXTURES/bigcommerce_halo_fumari_mix_series_category.html}
MARKER=${MARKER:-category__showMoreBtn}
RUNS=${RUNS:-30}
PAUSE_MS=${PAUSE_MS:-150}
RATE_MBPS=${RATE_MBPS:-4}
RANKING_MS=${RANKING_MS:-80}
BASE=${BASE_PORT:-18190}
ORIGIN=$BASE PROXY=$((BASE + 1)) SIM=$((BASE + 2))
RESHELF=$((BASE + 3)) ADMIN=$((BASE + 4)) BUFFERED=$((BASE + 5)) ADMIN_B=$((BASE + 6))

command -v nginx >/dev/null || { apt-get update -qq && apt-get install -y -qq nginx; }
# RESHELF_BIN: a reshelf binary to time instead of building this tree's.
if [ -n "${RESHELF_BIN:-}" ]; then
    BIN=$RESHELF_BIN
else
    (cd "$ROOT" && cargo build --release --locked -q)
    BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/reshelf
fi
TMP=$(mktemp -d)
PIDS=()
cleanup() { kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT

ids=$(grep -o 'data-product-id="[^"]*"' "$PAGE" | cut -d'"' -f2 | sort -u)
{
    printf '{"categories": [{"id": "fumari", "name": "Fumari"}], "products": ['
    sep=""
    for id in $ids; do
        printf '%s{"id": "%s", "name": "Product %s", "category": "fumari", "price": 10}' "$sep" "$id" "$id"
        sep=", "
    done
    printf ']}\n'
} >"$TMP/catalog.json"

cat >"$TMP/nginx.conf" <<CONF
worker_processes 1;
pid $TMP/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    upstream origin { server 127.0.0.1:$ORIGIN; keepalive 16; }
    server {
        listen 127.0.0.1:$PROXY;
        location / {
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
        }
    }
}
CONF

config() { # public admin stream
    cat <<CONF
[listen]
public = "127.0.0.1:$1"
admin = "127.0.0.1:$2"
stream_listings = $3
[origin]
url = "http://127.0.0.1:$ORIGIN"
[fashionai]
base_url = "http://127.0.0.1:$SIM"
[[pages]]
path = "/category/{id}"
format = "html"
tiles = "ul.productGrid > li.product"
product_id = "data-product-id"
CONF
}
config "$RESHELF" "$ADMIN" true >"$TMP/streamed.toml"
config "$BUFFERED" "$ADMIN_B" false >"$TMP/buffered.toml"
export FASHIONAI_APP_TOKEN=load-test-token

python3 "$HERE/ttfb.py" origin --port "$ORIGIN" --page "$PAGE" --pause-ms "$PAUSE_MS" \
    --rate-mbps "$RATE_MBPS" >"$TMP/origin.log" 2>&1 & PIDS+=($!)
nginx -p "$TMP" -e "$TMP/nginx-error.log" -c "$TMP/nginx.conf" -g 'daemon off;' & PIDS+=($!)
"$BIN" sim --listen "127.0.0.1:$SIM" --catalog "$TMP/catalog.json" --min-events 0 \
    --latency-ms "$RANKING_MS" >"$TMP/sim.log" 2>&1 & PIDS+=($!)
RUST_LOG=warn "$BIN" serve --config "$TMP/streamed.toml" >"$TMP/streamed.log" 2>&1 & PIDS+=($!)
RUST_LOG=warn "$BIN" serve --config "$TMP/buffered.toml" >"$TMP/buffered.log" 2>&1 & PIDS+=($!)
for port in "$ADMIN" "$ADMIN_B"; do
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
done

echo "page $(basename "$PAGE"), pause ${PAUSE_MS} ms, ${RATE_MBPS} MB/s, ranking after ${RANKING_MS} ms; $RUNS runs each; median/p90 ms"
for target in "origin:$ORIGIN" "nginx_proxy_pass:$PROXY" "reshelf_streamed:$RESHELF" "reshelf_buffered:$BUFFERED"; do
    name=${target%%:*} port=${target##*:}
    printf '%-18s ' "$name"
    python3 "$HERE/ttfb.py" client --url "http://127.0.0.1:$port/category/fumari" \
        --marker "$MARKER" --runs "$RUNS" --cookie-per-run
done
echo "verdicts (reshelf_streamed): $(curl -s "http://127.0.0.1:$ADMIN/metrics" | grep '^reshelf_listing_pages_total' | tr '\n' ' ')"
