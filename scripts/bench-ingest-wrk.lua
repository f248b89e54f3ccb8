-- wrk script for scripts/bench-ingest-wrk.sh: POSTs pre-built remote-write bodies (BODY_DIR/body-<j>.bin,
-- j < BODIES, made by io.promgate.bench.WriteBodies), each connection rotating through them, and
-- counts 2xx and other answers (printed as "acked=N failed=N" at the end).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-protobuf"
wrk.headers["Content-Encoding"] = "snappy"
wrk.headers["X-Prometheus-Remote-Write-Version"] = "0.1.0"

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  bodies = {}
  local dir = os.getenv("BODY_DIR")
  local n = tonumber(os.getenv("BODIES"))
  for j = 0, n - 1 do
    local f = assert(io.open(dir .. "/body-" .. j .. ".bin", "rb"))
    bodies[j + 1] = f:read("*a")
    f:close()
  end
  i = id % n -- threads start at different bodies
  acked = 0
  failed = 0
end

function request()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    acked = acked + 1
  else
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local a, f = 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("acked")
    f = f + t:get("failed")
  end
  io.write(string.format("acked=%d failed=%d\n", a, f))
end
