-- Replays pre-signed deliveries (bench/webhook-gen.mjs), each once, split
-- between wrk's threads; a thread that runs out of deliveries stops.
local counter = 1
local threads = {}

function setup(thread)
   thread:set("id", counter)
   table.insert(threads, thread)
   counter = counter + 1
end

function init(args)
   local file = args[1]
   local nthreads = tonumber(args[2])
   requests = {}
   local i = 0
   for line in io.lines(file) do
      if i % nthreads == id - 1 then
         local sid, ts, sig, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
         requests[#requests + 1] = wrk.format("POST", "/api/v1/auth/clerk_webhook/", {
            ["Content-Type"] = "application/json",
            ["svix-id"] = sid, ["svix-timestamp"] = ts, ["svix-signature"] = sig,
         }, body)
      end
      i = i + 1
   end
   n = 0
end

function request()
   n = n + 1
   if n > #requests then
      wrk.thread:stop()
      n = #requests
   end
   return requests[n]
end
