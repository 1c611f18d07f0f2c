-- wrk: GET /api/v1/cases/{id} over a set of existing cases.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("GRIDLINE_BENCH_TOKEN")
local ids = {}
for line in io.lines(os.getenv("GRIDLINE_BENCH_IDS")) do ids[#ids + 1] = line end

request = function()
  return wrk.format("GET", "/api/v1/cases/" .. ids[math.random(#ids)])
end
