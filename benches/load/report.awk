# Markdown tables from a results.tsv of benches/load/run.sh (run.sh prints them at the end; to
# re-render a kept run: awk -F'\t' -v loads="full moderate" -f benches/load/report.awk results.tsv).
#
# Per load, one row per group and variant: medians over rounds of req/s, p50, p99 and server CPU
# per request; and the ratios to proxy_pass in the same group taken within each round (same
# moment, same machine state) and then the median over rounds, with each round's ratio beside it.
# On a shared machine a stall hits every server of a round alike, which a ratio of medians taken
# from different rounds would not cancel.
function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
NR == 1 { next }
{
    key = $2 SUBSEP $3 SUBSEP $4
    if (!(key in seen)) { seen[key] = 1; order[++count] = key }
    if (!($1 in isround)) { isround[$1] = 1; rounds[++nrounds] = $1 }
    rps[key] = rps[key] " " $6; p50[key] = p50[key] " " $7; p99[key] = p99[key] " " $9
    err[key] += $10; cpu[key] = cpu[key] " " $11
    r_rps[key, $1] = $6; r_cpu[key, $1] = $11
}
END {
    nl = split(loads, L, " ")
    for (l = 1; l <= nl; l++) {
        print "| load | group | variant | req/s | p50 ms | p99 ms | errors | server CPU µs/req | req/s ÷ proxy_pass | each round | CPU ÷ proxy_pass | p99 − direct ms |"
        print "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |"
        for (i = 1; i <= count; i++) {
            key = order[i]
            split(key, k, SUBSEP)
            if (k[1] != L[l]) continue
            base = k[1] SUBSEP k[2] SUBSEP "proxy_pass"; dir = k[1] SUBSEP k[2] SUBSEP "direct"
            ratio = ""; each = ""; cpuratio = ""
            if (base in seen && k[3] != "direct" && k[3] != "proxy_pass") {
                rl = ""; cl = ""
                for (j = 1; j <= nrounds; j++) {
                    r = rounds[j]
                    if (!((key, r) in r_rps) || !((base, r) in r_rps) || r_rps[base, r] == 0) continue
                    x = r_rps[key, r] / r_rps[base, r]
                    rl = rl " " x; each = each (each == "" ? "" : ", ") sprintf("%.2f", x)
                    if (r_cpu[base, r] > 0) cl = cl " " r_cpu[key, r] / r_cpu[base, r]
                }
                if (rl != "") ratio = sprintf("%.2f", median(rl))
                if (cl != "") cpuratio = sprintf("%.2f", median(cl))
            } else if (k[3] == "proxy_pass") {
                ratio = "1.00"; cpuratio = "1.00"
            }
            added = (dir in seen && k[3] != "direct") ? sprintf("%+.3f", median(p99[key]) - median(p99[dir])) : ""
            printf "| %s | %s | %s | %.0f | %.3f | %.3f | %d | %.1f | %s | %s | %s | %s |\n", k[1], k[2], k[3],
                median(rps[key]), median(p50[key]), median(p99[key]), err[key],
                median(cpu[key]), ratio, each, cpuratio, added
        }
        print ""
    }
}
