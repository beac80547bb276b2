-- GET /api/v1/users/me with many distinct session tokens, round robin.
-- Usage: wrk ... -s bench/api.lua URL -- TOKENS_FILE
local counter = 0
function setup(thread)
   thread:set("offset", counter * 7919)
   counter = counter + 1
end

function init(args)
   tokens = {}
   for line in io.lines(args[1]) do
      tokens[#tokens + 1] = line
   end
   i = offset or 0
end

function request()
   i = i + 1
   local t = tokens[(i % #tokens) + 1]
   return wrk.format("GET", "/api/v1/users/me", { ["Authorization"] = "Bearer " .. t })
end
