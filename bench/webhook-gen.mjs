// Writes N fresh signed user.created deliveries, one a line:
// "<svix-id>\t<timestamp>\t<signature>\t<compact JSON body>", for
// bench/webhook.lua to replay with wrk. Signed with the npm svix package.
// Usage: node bench/webhook-gen.mjs SECRET N OUT
import fs from 'node:fs';
import { Webhook } from 'svix';

const [secret, nArg, out] = process.argv.slice(2);
const n = Number(nArg);
const wh = new Webhook(secret);
const now = new Date();
const ts = Math.floor(now.getTime() / 1000);
const run = Date.now().toString(36);
const fd = fs.openSync(out, 'w');
let chunk = [];
for (let i = 0; i < n; i++) {
  const uid = `user_bench${run}x${i}`;
  const body = JSON.stringify({
    data: {
      id: uid, object: 'user', first_name: 'Bench', last_name: `User ${i}`,
      username: null, image_url: 'https://img.clerk.com/x',
      primary_email_address_id: `idn_${run}${i}`,
      email_addresses: [{ id: `idn_${run}${i}`, object: 'email_address',
        email_address: `bench${run}.${i}@example.com` }],
      created_at: now.getTime(), updated_at: now.getTime(),
    },
    object: 'event', type: 'user.created', timestamp: now.getTime(),
  });
  const id = `msg_bench${run}x${i}`;
  chunk.push(`${id}\t${ts}\t${wh.sign(id, now, body)}\t${body}\n`);
  if (chunk.length === 10000) { fs.writeSync(fd, chunk.join('')); chunk = []; }
}
fs.writeSync(fd, chunk.join(''));
fs.closeSync(fd);
