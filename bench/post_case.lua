-- wrk: POST /api/v1/cases as a grid worker, with varied, realistic bodies.
-- GRIDLINE_BENCH_CATEGORY picks the category (default sanitation, which is
-- accepted and dispatched at once: three events).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("GRIDLINE_BENCH_TOKEN")

local what = {
  "垃圾堆放 rubbish piled by the gate",
  "绿化带内有建筑垃圾 builders' waste in the green belt",
  "楼道杂物堆积 things piled in the stairwell",
  "路面油污 oil on the road",
}

local category = os.getenv("GRIDLINE_BENCH_CATEGORY") or "sanitation"

request = function()
  local lat = 39.9005 + math.random() * 0.004
  local lon = 116.4005 + math.random() * 0.004
  local body = string.format(
    '{"category_code":"%s","description":"%s","priority":"normal",' ..
    '"location":{"lat":%.6f,"lon":%.6f},"address":"和平路%d号","source":"grid_worker"}',
    category, what[math.random(#what)], lat, lon, math.random(1, 300))
  return wrk.format(nil, nil, nil, body)
end
