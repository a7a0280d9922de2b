-- replay.lua: wrk script of scripts/bench. POSTs every line of a requests file exactly once.
--
--   wrk -t1 -cC -dMAXs --timeout 30s --latency -s replay.lua URL -- REQUESTS DONE_FILE
--
-- REQUESTS: one request per line, "sha256=<hex>" TAB <body> (gen_requests.py); each becomes a
-- POST to URL's path with Content-Type application/json and X-Hub-Signature-256.
--
-- How "exactly once" works with wrk 4.1 (one thread, C connections sharing this Lua state):
-- because this script defines delay(), wrk calls delay() before every request a connection
-- sends, waits that many milliseconds, then calls request(). delay() hands out tickets: the
-- first len(lines) calls get 0 ms and a ticket, later calls park the connection for an hour.
-- request() turns the next ticket into the next line, in file order. So no line is sent twice
-- and none is skipped, whichever connection is free first. A request() without a ticket (wrk
-- calls it once before the run to inspect the script) gets a GET /health that is never sent
-- as a webhook.
-- When the responses to all lines are in, the thread writes DONE_FILE, stops, and sends SIGINT
-- to wrk (LuaJIT ffi) so that wrk ends now instead of after -d; scripts/bench also sends SIGINT
-- once DONE_FILE exists, in case ffi is missing. wrk's duration is then the replay time.
--
-- done() prints one line "REPLAY {json}": lines, sent, responses by status class and code,
-- socket errors, seconds, latency percentiles in microseconds.

local lines = {}
local nlines = 0
local tickets = 0
local done_file = nil
local probe = nil
local finished = false

-- Globals, so that done() (main Lua state) can read them with thread:get().
sent, responses, probes = 0, 0, 0
c2xx, c3xx, c4xx, c5xx, cother = 0, 0, 0, 0, 0
by_code = {}

local threads = {}
function setup(thread)
   table.insert(threads, thread)
end

local ffi_ok, ffi = pcall(require, "ffi")
if ffi_ok then
   ffi_ok = pcall(ffi.cdef, "int kill(int pid, int sig); int getpid(void);")
end

function init(args)
   local path = args[1]
   if not path then error("replay.lua: pass the requests file after --") end
   done_file = args[2]
   local headers = {
      ["Content-Type"] = "application/json",
      ["User-Agent"] = "facebookexternalua",
   }
   for line in io.lines(path) do
      local sig, body = string.match(line, "^([^\t]+)\t(.+)$")
      if sig then
         headers["X-Hub-Signature-256"] = sig
         nlines = nlines + 1
         lines[nlines] = wrk.format("POST", nil, headers, body)
      end
   end
   probe = wrk.format("GET", "/health", { ["User-Agent"] = "bench-probe" }, nil)
end

function delay()
   if tickets < nlines then
      tickets = tickets + 1
      return 0
   end
   return 3600 * 1000
end

function request()
   if sent < tickets then
      sent = sent + 1
      return lines[sent]
   end
   probes = probes + 1
   return probe
end

local function finish()
   if finished then return end
   finished = true
   if done_file then
      local f = io.open(done_file, "w")
      if f then f:write(string.format("%d %d\n", sent, responses)); f:close() end
   end
   wrk.thread:stop()
   if ffi_ok then ffi.C.kill(ffi.C.getpid(), 2) end
end

function response(status, headers, body)
   responses = responses + 1
   by_code[status] = (by_code[status] or 0) + 1
   if status < 300 and status >= 200 then c2xx = c2xx + 1
   elseif status < 400 and status >= 300 then c3xx = c3xx + 1
   elseif status < 500 and status >= 400 then c4xx = c4xx + 1
   elseif status < 600 and status >= 500 then c5xx = c5xx + 1
   else cother = cother + 1 end
   -- The first probe is only inspected by wrk, never sent; later probes (after a reconnect)
   -- are sent and answered.
   if sent == nlines and responses >= nlines + math.max(probes - 1, 0) then finish() end
end

function done(summary, latency, requests)
   local t = { sent = 0, responses = 0, probes = 0, c2xx = 0, c3xx = 0, c4xx = 0, c5xx = 0, cother = 0 }
   local all_codes = {}
   for _, thread in ipairs(threads) do
      for k, _ in pairs(t) do t[k] = t[k] + (tonumber(thread:get(k)) or 0) end
      for code, n in pairs(thread:get("by_code") or {}) do all_codes[code] = (all_codes[code] or 0) + n end
   end
   local codes_json = {}
   for code, n in pairs(all_codes) do table.insert(codes_json, string.format('"%d":%d', code, n)) end
   local secs = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      'REPLAY {"sent":%d,"responses":%d,"probes":%d,"status_2xx":%d,"status_3xx":%d,"status_4xx":%d,' ..
      '"status_5xx":%d,"status_other":%d,"codes":{%s},' ..
      '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d},' ..
      '"seconds":%.4f,"wrk_requests":%d,' ..
      '"latency_us":{"mean":%.1f,"stdev":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}}\n',
      t.sent, t.responses, math.max(t.probes - 1, 0), t.c2xx, t.c3xx, t.c4xx, t.c5xx, t.cother,
      table.concat(codes_json, ","),
      e.connect, e.read, e.write, e.timeout, e.status,
      secs, summary.requests,
      latency.mean, latency.stdev, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency:percentile(99.9), latency.max))
end
