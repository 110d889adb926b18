-- wrk script for bench/waf_bench.sh: cycles through the request mix in the file named by $WAF_MIX (one
-- request a line: kind TAB method TAB path TAB content-type TAB body, "-" for none), each thread starting
-- at a different place, with a browser's headers. Counts the answers by status; done() prints them and
-- the number of 403s the mix's share of attacks predicts.
local threads = {}
local requests = {}
local attacks, total = 0, 0
local n = 0

local function load_mix()
  local path = os.getenv("WAF_MIX")
  local f = assert(io.open(path, "r"), "cannot open the mix " .. tostring(path))
  local list = {}
  for line in f:lines() do
    local kind, method, target, ctype, body = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t([^\t]+)\t(.*)$")
    if kind then
      local headers = {
        ["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
        ["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        ["Accept-Language"] = "zh-CN,zh;q=0.9,en;q=0.8",
        ["Accept-Encoding"] = "gzip, deflate",
        ["Cookie"] = "lang=zh-CN; theme=light",
        -- A name, as a browser sends for the union sites (and as the pre-load check sends): with wrk's
        -- default "127.0.0.1:PORT" every request matches CRS 920350 (numeric Host) in both WAFs.
        ["Host"] = "localhost",
      }
      if body == "-" then body = nil end
      if ctype ~= "-" then headers["Content-Type"] = ctype end
      table.insert(list, { kind = kind, method = method, target = target, headers = headers, body = body })
    end
  end
  f:close()
  return list
end

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

-- With WAF_MIX_VARY=1 each request carries one more query argument whose value is new on every request
-- (v=<thread>_<counter>): a mix whose values do not all repeat (the prefilter remembers the values it
-- found clean, so the plain cycle of 20 identical requests is its best case; docs/modules/waf.md).
local vary = os.getenv("WAF_MIX_VARY") == "1"
local mix = {}
local counter = 0

function init(args)
  for _, r in ipairs(load_mix()) do
    table.insert(mix, r)
    table.insert(requests, wrk.format(r.method, r.target, r.headers, r.body))
    total = total + 1
    if r.kind == "attack" then attacks = attacks + 1 end
  end
  n = (id * 7) % #requests
  s200, s403, s405, sother = 0, 0, 0, 0
  mix_attacks, mix_total = attacks, total
end

function request()
  n = n % #requests + 1
  if vary then
    counter = counter + 1
    local r = mix[n]
    local sep = string.find(r.target, "?", 1, true) and "&" or "?"
    return wrk.format(r.method, r.target .. sep .. "v=" .. id .. "_" .. counter, r.headers, r.body)
  end
  return requests[n]
end

function response(status, headers, body)
  if status == 200 then s200 = s200 + 1
  elseif status == 403 then s403 = s403 + 1
  elseif status == 405 then s405 = s405 + 1
  else sother = sother + 1 end
end

function done(summary, latency, reqs)
  local c = { 0, 0, 0, 0 }
  local a, t = 0, 1
  for _, thread in ipairs(threads) do
    c[1] = c[1] + thread:get("s200")
    c[2] = c[2] + thread:get("s403")
    c[3] = c[3] + thread:get("s405")
    c[4] = c[4] + thread:get("sother")
    a, t = thread:get("mix_attacks"), thread:get("mix_total")
  end
  local answered = c[1] + c[2] + c[3] + c[4]
  io.write(string.format("statuses 200=%d 403=%d 405=%d other=%d expected_403=%.0f\n",
                         c[1], c[2], c[3], c[4], answered * a / t))
end
