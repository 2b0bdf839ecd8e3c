#!/usr/bin/env bash
# Runs the criterion passthrough bench (benches/passthrough.rs) RUNS times, pinned to one CPU,
# and prints a markdown table of the per-request medians with the ratios to `direct` (the same
# request straight to the origin, measured in the same run). A single criterion run on a shared
# 2-core machine drifts by tens of percent; the median over runs of each run's ratio is steadier.
#
#   benches/load/passthrough.sh            # RUNS=3 CPU=1 NICE=0 RT=0
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RUNS=${RUNS:-3}
CPU=${CPU:-1}
NICE=${NICE:-0}
RT=${RT:-0} # >0: SCHED_FIFO priority (chrt) for the bench, shielding it from other work
CRITERION=${CARGO_TARGET_DIR:-$ROOT/target}/criterion/passthrough

command -v jq >/dev/null || {
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq jq >/dev/null
}

(cd "$ROOT" && cargo bench --bench passthrough --no-run --quiet)
rows=$(mktemp)
trap 'rm -f "$rows"' EXIT
for run in $(seq "$RUNS"); do
    prio=(nice -n "$NICE")
    [ "$RT" != 0 ] && prio=(chrt -f "$RT")
    (cd "$ROOT" && "${prio[@]}" taskset -c "$CPU" cargo bench --quiet --bench passthrough \
        >/dev/null 2>&1)
    for dir in "$CRITERION"/*/; do
        name=$(basename "$dir")
        [ -f "$dir/new/estimates.json" ] || continue
        # Median time per request, in microseconds.
        printf '%s\t%s\t%s\n' "$run" "$name" \
            "$(jq '.median.point_estimate / 1000' "$dir/new/estimates.json")" >>"$rows"
    done
    echo "[passthrough] run $run done" >&2
done

echo "| bench | size | µs per request (median of $RUNS runs) | runs | ÷ direct (median of per-run ratios) | added µs |"
echo "| --- | --- | ---: | --- | ---: | ---: |"
awk -F'\t' '
    function median(list,   n, a, i, j, t) {
        n = split(list, a, " ")
        for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    {
        split($2, p, "_"); variant = p[1]; size = p[2]
        t[$2] = t[$2] " " $3; v[$1, variant, size] = $3
        if (!(($2) in seen)) { seen[$2] = 1; order[++count] = $2 }
        runs[$1] = 1
    }
    END {
        for (i = 1; i <= count; i++) {
            split(order[i], p, "_"); variant = p[1]; size = p[2]
            ratios = ""; added = ""; all = ""
            for (r in runs) {
                if ((r, "direct", size) in v && (r, variant, size) in v) {
                    ratios = ratios " " v[r, variant, size] / v[r, "direct", size]
                    added = added " " v[r, variant, size] - v[r, "direct", size]
                }
            }
            n = split(t[order[i]], each, " ")
            for (j = 1; j <= n; j++) all = all (j > 1 ? ", " : "") sprintf("%.1f", each[j])
            printf "| %s | %s | %.1f | %s | %s | %s |\n", variant, size, median(t[order[i]]), all,
                variant == "direct" ? "1.00" : sprintf("%.2f", median(ratios)),
                variant == "direct" ? "" : sprintf("%+.1f", median(added))
        }
    }' "$rows" | sort -t'|' -k3,3 -k2,2
