-- wrk script: print one line of JSON when the run is done, for bench/run.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"wrk":true,"requests":%d,"duration_us":%d,"per_second":%.1f,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_ms":{"p50":%.3f,"p99":%.3f}}\n',
    summary.requests, summary.duration,
    summary.requests / (summary.duration / 1e6),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
