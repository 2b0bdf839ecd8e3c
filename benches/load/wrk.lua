-- wrk script shared by every case of benches/load/run.sh.
--
-- Environment (read in every wrk thread):
--   PACE_MS      each connection waits this many milliseconds before each request
--                (a paced, moderate load instead of a closed loop as fast as possible)
--   COLD_SESSION when "1", every request carries a new session cookie, so no cached
--                ranking can be reused (the "cold cache" listing case)
--   SESSION_COOKIE cookie name for COLD_SESSION (default reshelf_sid)
--
-- At the end it prints one machine-readable line that run.sh parses:
--   RESULT requests=N duration_us=N p50_us=N p90_us=N p99_us=N max_us=N
--          connect=N read=N write=N status=N timeout=N

local pace = tonumber(os.getenv("PACE_MS") or "")
if pace and pace > 0 then
  function delay()
    return pace
  end
end

if os.getenv("COLD_SESSION") == "1" then
  local name = os.getenv("SESSION_COOKIE") or "reshelf_sid"
  local counter = 0
  -- A per-thread prefix keeps sessions distinct across threads.
  local prefix = string.format("cold%08x", math.random(0, 0x7fffffff))
  function request()
    counter = counter + 1
    return wrk.format(nil, nil, { ["Cookie"] = string.format("%s=%s-%d", name, prefix, counter) })
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
    "connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
