# The A/B table of benches/load/run.sh with RESHELF_B_BIN: per load and group, reshelf_b ÷
# reshelf in CPU per request and req/s, taken within each round (the two ran back to back) and
# the median over rounds shown with each round's ratio. Reads results.tsv.
function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
NR == 1 { next }
$5 == "reshelf" || $5 == "reshelf_b" {
    key = $2 SUBSEP $3
    if (!(key in seen)) { seen[key] = 1; order[++count] = key }
    rps[key, $5, $1] = $6; cpu[key, $5, $1] = $11; rounds[key] = rounds[key] " " $1
}
END {
    print "| load | group | CPU µs/req reshelf | reshelf_b | CPU b ÷ a (median) | each round | req/s b ÷ a (median) | each round |"
    print "| --- | --- | ---: | ---: | ---: | --- | ---: | --- |"
    for (i = 1; i <= count; i++) {
        key = order[i]; split(key, k, SUBSEP)
        n = split(rounds[key], rs, " "); ca = ""; cb = ""; cr = ""; rr = ""; ce = ""; re = ""
        delete done
        for (j = 1; j <= n; j++) {
            r = rs[j]
            if (r in done || !((key, "reshelf", r) in cpu) || !((key, "reshelf_b", r) in cpu)) continue
            done[r] = 1
            ca = ca " " cpu[key, "reshelf", r]; cb = cb " " cpu[key, "reshelf_b", r]
            if (cpu[key, "reshelf", r] > 0) { x = cpu[key, "reshelf_b", r] / cpu[key, "reshelf", r]; cr = cr " " x; ce = ce (ce == "" ? "" : ", ") sprintf("%.3f", x) }
            if (rps[key, "reshelf", r] > 0) { x = rps[key, "reshelf_b", r] / rps[key, "reshelf", r]; rr = rr " " x; re = re (re == "" ? "" : ", ") sprintf("%.3f", x) }
        }
        if (ca == "") continue
        printf "| %s | %s | %.1f | %.1f | %s | %s | %s | %s |\n", k[1], k[2], median(ca), median(cb),
            cr == "" ? "" : sprintf("%.3f", median(cr)), ce, rr == "" ? "" : sprintf("%.3f", median(rr)), re
    }
    print ""
}
