-- wrk script for bench/guard_bench.sh: each request asks for the next of 1,000 pages (/p/0000/ .. /p/0999/).
local n = 0
request = function()
  n = (n + 1) % 1000
  return wrk.format("GET", string.format("/p/%04d/", n))
end
