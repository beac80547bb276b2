-- One POST repeated with one Idempotency-Key: every answer after the
-- first is the stored one (DESIGN 12.4).
-- Usage: wrk ... -s bench/idem.lua URL -- PATH TOKEN KEY BODY
function init(args)
   req = wrk.format("POST", args[1], {
      ["Authorization"] = "Bearer " .. args[2],
      ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = args[3],
   }, args[4])
end

function request()
   return req
end
