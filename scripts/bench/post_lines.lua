-- wrk script: POSTs JSON bodies read from a file (one per line), in turn.
--   wrk ... -s scripts/bench/post_lines.lua URL -- BODIES_FILE PATH
-- Prints one JSON summary line prefixed with "JSON ".
local bodies = {}
local path = "/"
local i = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then bodies[#bodies + 1] = line end
  end
  path = args[2]
end

request = function()
  i = i % #bodies + 1
  return wrk.format("POST", path, { ["Content-Type"] = "application/json" }, bodies[i])
end

done = function(summary, latency, requests)
  io.write(string.format(
    'JSON {"requests": %d, "duration_s": %.3f, "rps": %.2f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, "err_connect": %d, "err_read": %d, "err_write": %d, "err_timeout": %d, "err_status": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    summary.errors.status))
end
