// GET /metrics: Prometheus text with requests by route and status, latency
// histograms, webhook deliveries by type and outcome, token-cache lookups.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startServer } from './lib/server.mjs';

let srv;
before(async () => {
  srv = await startServer({ env: { CLERK_WEBHOOK_SIGNING_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } });
});
after(async () => { await srv?.stop(); });

function value(text, re) {
  const m = text.match(re);
  return m ? Number(m[1]) : null;
}

test('requests are counted by route and status, with latency histograms', async () => {
  for (let i = 0; i < 3; i++) assert.equal((await fetch(`${srv.url}/api/v1/health`)).status, 200);
  assert.equal((await fetch(`${srv.url}/nope`)).status, 404);
  assert.equal((await fetch(`${srv.url}/api/v1/users/me`)).status, 401);
  const r = await fetch(`${srv.url}/metrics`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain/);
  const text = await r.text();
  assert.match(text, /^# TYPE mysaas_http_requests_total counter$/m);
  assert.ok(value(text, /^mysaas_http_requests_total\{method="GET",route="\/api\/v1\/health",status="200"\} (\d+)$/m) >= 3);
  assert.equal(value(text, /^mysaas_http_requests_total\{method="",route="unmatched",status="404"\} (\d+)$/m), 1);
  assert.equal(value(text, /^mysaas_http_requests_total\{method="GET",route="\/api\/v1\/users\/me",status="401"\} (\d+)$/m), 1);
  const count = value(text, /^mysaas_http_request_duration_seconds_count\{route="\/api\/v1\/health"\} (\d+)$/m);
  const inf = value(text, /^mysaas_http_request_duration_seconds_bucket\{route="\/api\/v1\/health",le="\+Inf"\} (\d+)$/m);
  assert.ok(count >= 3);
  assert.equal(inf, count);
  assert.match(text, /^mysaas_token_cache_total\{result="hit"\} \d+$/m);
});

test('webhook deliveries are counted by type and outcome', async () => {
  const bad = await fetch(`${srv.url}/api/v1/auth/clerk_webhook/`, {
    method: 'POST', body: '{}',
    headers: { 'svix-id': 'msg_x', 'svix-timestamp': String(Math.floor(Date.now() / 1000)), 'svix-signature': 'v1,AAAA' },
  });
  assert.equal(bad.status, 400);
  const text = await (await fetch(`${srv.url}/metrics`)).text();
  assert.ok(value(text, /^mysaas_webhook_events_total\{type="other",status="rejected"\} (\d+)$/m) >= 1);
});
