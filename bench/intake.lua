-- wrk script of bench.intake: POST the bodies of a file (one JSON body per line, taken in
-- turn by each connection's thread) to /api/v1/cases, and write what came back.
--   WRK_RESULTS=<file> wrk -t1 -c16 -d60s -s bench/intake.lua <server> -- <bodies> <token>
-- The results file has a line per acknowledged case ("number R..."), per kind of error
-- ("error <count> <kind>"), per distinct latency ("latency <microseconds> <count>") and
-- one of wrk's own socket errors ("socket <connect> <read> <write> <timeout>").

local bodies, sent, token = {}, 0, ""
numbers, errors = {}, {} -- globals: done() reads them from each thread with thread:get()

function init(args)
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  token = args[2]
end

function request()
  sent = sent + 1
  return wrk.format("POST", "/api/v1/cases", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, bodies[(sent - 1) % #bodies + 1])
end

function response(status, headers, body)
  if status == 201 then
    numbers[#numbers + 1] = body:match('"number":%s*"([^"]+)"')
  else
    local locked = body:find("database is locked", 1, true)
    local kind = locked and "database is locked" or ("HTTP " .. status)
    errors[kind] = (errors[kind] or 0) + 1
  end
end

local threads = {}
function setup(thread) threads[#threads + 1] = thread end

function done(summary, latency, requests)
  local out = assert(io.open(os.getenv("WRK_RESULTS"), "w"))
  for _, thread in ipairs(threads) do
    for _, number in ipairs(thread:get("numbers")) do out:write("number ", number, "\n") end
    for kind, count in pairs(thread:get("errors")) do out:write("error ", count, " ", kind, "\n") end
  end
  for i = 1, #latency do -- each distinct latency and how often it came
    local us, count = latency(i)
    out:write("latency ", us, " ", count, "\n")
  end
  local e = summary.errors
  out:write("socket ", e.connect, " ", e.read, " ", e.write, " ", e.timeout, "\n")
  out:close()
end
