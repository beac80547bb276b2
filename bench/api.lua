-- GET /api/v1/users/me (or PATH) with many distinct session tokens, round
-- robin.
-- Usage: wrk ... -s bench/api.lua URL -- TOKENS_FILE [PATH]
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
   path = args[2] or "/api/v1/users/me"
end

function request()
   i = i + 1
   local t = tokens[(i % #tokens) + 1]
   return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. t })
end
