// The Clerk webhook receiver over HTTP (DESIGN §5 rules 1-5, reference/clerk.md
// §1): routes and answers, Svix signature checking, the envelope check,
// the body limit, the missing secret, duplicates, failed (422) and ignored
// events, and the raw payload stored byte for byte. Every delivery is signed
// with the npm `svix` package; rows are read back with sqlite3 / psql.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';

import { health, rawRequest, sleep } from './lib/server.mjs';
import {
  IDS, MiB, WEBHOOK_PATH, assertDetail, assertInvalidSignature, assertOk, count,
  deliver, event, events, fixture, fixtureText, mirror, msgId, nowSec, orgEvent, sign,
  signedHeaders, userEvent, users, withServer,
} from './lib/webhook.mjs';

const T = { timeout: 120000 };

function assertNothingStored(db, what = '') {
  assert.equal(count(db, 'webhook_events'), 0, `${what}: no webhook_events row`);
  assert.equal(count(db, 'users'), 0, `${what}: no user`);
  assert.equal(count(db, 'organizations'), 0, `${what}: no organization`);
  assert.equal(count(db, 'organization_memberships'), 0, `${what}: no membership`);
}

// Waits until the wall clock is just past a second boundary, so that a
// request sent now is (very likely) checked within the same second.
async function secondStart() {
  const ms = Date.now() % 1000;
  if (ms > 30) await sleep(1000 - ms + 2);
}

// The second of the answer's Date header (Unix seconds).
const dateSec = (r) => Math.floor(Date.parse(r.headers.get('date')) / 1000);

test('both routes (with and without the trailing slash) answer 200 "OK" and store the event', T, async () => {
  await withServer(async (srv) => {
    const a = await deliver(srv.url, fixtureText('01'), { path: '/api/v1/auth/clerk_webhook/' });
    assertOk(a, 'with slash');
    assert.equal(a.headers.get('x-content-type-options'), 'nosniff');
    const b = await deliver(srv.url, fixtureText('02'), { path: '/api/v1/auth/clerk_webhook' });
    assertOk(b, 'without slash');
    assert.equal(event(srv.db, a.id)?.status, 'applied');
    assert.equal(event(srv.db, b.id)?.status, 'applied');
    assert.equal(count(srv.db, 'users'), 1);
    assert.equal(count(srv.db, 'organizations'), 1);
  });
});

test('a method other than POST on the webhook answers 405 with Allow: POST', T, async () => {
  await withServer(async (srv) => {
    for (const p of ['/api/v1/auth/clerk_webhook/', '/api/v1/auth/clerk_webhook']) {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const res = await fetch(srv.url + p, { method });
        await res.text();
        assert.equal(res.status, 405, `${method} ${p}`);
        assert.match(res.headers.get('allow') || '', /\bPOST\b/, `${method} ${p}: Allow`);
      }
    }
    assert.equal(count(srv.db, 'webhook_events'), 0);
  });
});

test('signature failures all answer 400 {"detail":"Invalid webhook signature"} and store nothing', T, async () => {
  await withServer(async (srv) => {
    const body = fixtureText('03');
    const check = async (what, opts, b = body) => assertInvalidSignature(await deliver(srv.url, b, opts), what);

    // The body changed after signing: one character, a trailing newline,
    // and the same JSON re-serialised (the raw bytes are what is signed).
    {
      const id = msgId();
      const ts = nowSec();
      const sig = sign(id, ts, body);
      await check('tampered body', { id, ts, signature: sig }, body.replace('"Alice"', '"Alicf"'));
      await check('newline appended', { id, ts, signature: sig }, body + '\n');
      await check('re-serialised JSON', { id, ts, signature: sig }, JSON.stringify(JSON.parse(body)));
      await check('another svix-id than signed', { id: msgId(), ts, signature: sig });
      await check('another timestamp than signed', { id, ts: ts + 1, signature: sig });
      const last = sig.at(-2) === 'A' ? 'B' : 'A'; // sig ends with "="
      await check('last base64 character changed', { id, ts, signature: sig.slice(0, -2) + last + '=' });
    }
    const otherSecret = 'whsec_' + randomBytes(24).toString('base64');
    await check('signed with another secret', { secret: otherSecret });

    // Timestamps well outside the ±5 min tolerance.
    await check('timestamp 10 min old', { ts: nowSec() - 600 });
    await check('timestamp 10 min in the future', { ts: nowSec() + 600 });
    await check('timestamp 1 day old', { ts: nowSec() - 86400 });
    await check('timestamp 0', { ts: 0 });
    // A fixture's own signature (signatures.json): valid, but months old.
    await check('fixture signature from signatures.json (months old)', {
      id: 'msg_2mgyvZAM4HMAyHCrONN0KP2RYn9', ts: 1757931001,
      signature: 'v1,IfDMmF/ainUnzk7LHlj07nbKPH+xF+2GRjw0WgIRTCE=',
    });

    // Non-integer timestamps, each signed over the integer they start with.
    for (const bad of ['abc', 'x', '1.5e9']) {
      await check(`timestamp "${bad}"`, { headers: { 'svix-timestamp': bad } });
    }
    {
      const ts = nowSec();
      const id = msgId();
      const signature = sign(id, ts, body);
      for (const bad of [`${ts}.5`, `${ts}.0`, `${ts}abc`, `${ts}0`]) {
        await check(`timestamp "${bad}" (signed over ${ts})`, { id, ts, signature, headers: { 'svix-timestamp': bad } });
      }
    }

    // Each header missing, then each present but empty.
    for (const h of ['svix-id', 'svix-timestamp', 'svix-signature']) {
      await check(`${h} missing`, { headers: { [h]: null } });
      await check(`${h} empty`, { headers: { [h]: '' } });
    }
    await check('no Svix header at all', {
      headers: { 'svix-id': null, 'svix-timestamp': null, 'svix-signature': null },
    });

    // Only v1 entries count (reference §1.2).
    {
      const id = msgId();
      const ts = nowSec();
      const b64 = sign(id, ts, body).slice(3);
      await check('v2 entry only', { id, ts, signature: `v2,${b64}` });
      await check('v1a entry only', { id, ts, signature: `v1a,${b64}` });
      await check('no version', { id, ts, signature: b64 });
      await check('v2 entry plus a wrong v1', { id, ts, signature: `v2,${b64} v1,${'A'.repeat(43)}=` });
      await check('a space after the comma', { id, ts, signature: `v1, ${b64}` });
    }

    assertNothingStored(srv.db, 'after all the rejected deliveries');
    // The server still works.
    assertOk(await deliver(srv.url, body), 'a correct delivery afterwards');
    assert.equal(count(srv.db, 'webhook_events'), 1);
  });
});

test('timestamp tolerance edges: exactly 300 s old or ahead is accepted, 301 s is not', T, async (t) => {
  await withServer(async (srv) => {
    // Deterministic ones: the server's clock is never behind ours.
    await secondStart();
    let ts = nowSec();
    assertInvalidSignature(await deliver(srv.url, fixtureText('01'), { ts: ts - 301 }), '301 s old');
    ts = nowSec();
    assertOk(await deliver(srv.url, fixtureText('02'), { ts: ts + 300 }), 'exactly 300 s ahead');

    // These need the check to run within the second we signed in: the
    // answer's Date header tells (it is set after the check).
    let oldChecked = false;
    let newChecked = false;
    for (let i = 0; i < 6 && !(oldChecked && newChecked); i++) {
      if (!oldChecked) {
        await secondStart();
        const now = nowSec();
        const body = JSON.stringify(userEvent());
        const r = await deliver(srv.url, body, { ts: now - 300 });
        if (dateSec(r) === now) {
          assertOk(r, 'exactly 300 s old');
          oldChecked = true;
        }
      }
      if (!newChecked) {
        await secondStart();
        const now = nowSec();
        const r = await deliver(srv.url, JSON.stringify(userEvent()), { ts: now + 301 });
        if (dateSec(r) === now) {
          assertInvalidSignature(r, '301 s ahead');
          newChecked = true;
        }
      }
    }
    if (!oldChecked || !newChecked) t.diagnostic('could not land a request within one second: edge not checked');
  });
});

test('a timestamp header with leading zeros is the same integer (accepted, as by the svix libraries)', T, async () => {
  await withServer(async (srv) => {
    const body = fixtureText('01');
    const id = msgId();
    const ts = nowSec();
    const r = await deliver(srv.url, body, { id, ts, headers: { 'svix-timestamp': `00${ts}` } });
    assertOk(r, 'svix-timestamp 00<ts>, signed over <ts>');
    assert.equal(event(srv.db, id)?.status, 'applied');
  });
});

test('several v1 signatures, one of them valid, are accepted (key rotation)', T, async () => {
  await withServer(async (srv) => {
    const bogus = 'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=';
    const shapes = [
      (v) => `${bogus} ${v}`,
      (v) => `${v} ${bogus}`,
      (v) => `v2,${v.slice(3)} ${v}`,
      // The svix JS suite's list: v1 bogus, v2 valid, v1 valid, v1 bogus.
      (v) => `${bogus} v2,${v.slice(3)} ${v} ${bogus}`,
      (v) => `${sign(msgId(), nowSec(), 'x', 'whsec_' + randomBytes(24).toString('base64'))} ${v}`,
    ];
    for (const [i, shape] of shapes.entries()) {
      const body = JSON.stringify(userEvent());
      const id = msgId();
      const ts = nowSec();
      const r = await deliver(srv.url, body, { id, ts, signature: shape(sign(id, ts, body)) });
      assertOk(r, `shape ${i}`);
      assert.equal(event(srv.db, id)?.status, 'applied', `shape ${i} stored`);
    }
    assert.equal(count(srv.db, 'users'), shapes.length);
  });
});

test('the webhook-id / webhook-timestamp / webhook-signature names are accepted too', T, async () => {
  await withServer(async (srv) => {
    const r = await deliver(srv.url, fixtureText('03'), { family: 'webhook' });
    assertOk(r, 'webhook-* headers');
    const ev = event(srv.db, r.id);
    assert.equal(ev?.status, 'applied');
    assert.equal(ev.type, 'user.created');
    assert.equal(count(srv.db, 'users'), 1);
    // A bad signature under those names is still refused.
    assertInvalidSignature(await deliver(srv.url, fixtureText('01'), {
      family: 'webhook', signature: 'v1,' + 'A'.repeat(43) + '=',
    }), 'webhook-* with a bad signature');
    assert.equal(count(srv.db, 'webhook_events'), 1);
  });
});

test('header names are matched case-insensitively', T, async () => {
  await withServer(async (srv) => {
    const body = fixtureText('01');
    const id = msgId();
    const h = signedHeaders(id, nowSec(), body);
    const req = `POST ${WEBHOOK_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
      'Content-Type: application/json\r\n' +
      `SVIX-ID: ${h['svix-id']}\r\nSvix-Timestamp: ${h['svix-timestamp']}\r\n` +
      `SVIX-Signature: ${h['svix-signature']}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const r = await rawRequest(srv.port, req);
    assert.equal(r.status, 200, r.raw.slice(0, 500));
    assert.equal(r.body, '"OK"');
    assert.equal(event(srv.db, id)?.status, 'applied');
  });
});

test('a signed body that is not an object with string "type" and object "data" answers 400, nothing stored', T, async () => {
  await withServer(async (srv) => {
    const good = fixtureText('03');
    const cases = {
      'malformed JSON': '{"type": "user.created", "data": {"id": "user_x",}}',
      'truncated JSON': good.slice(0, Math.floor(good.length / 2)),
      'empty body': '',
      'a JSON array': JSON.stringify([fixture('03')]),
      'a JSON string': '"user.created"',
      'a JSON number': '42',
      'null': 'null',
      'type is a number': JSON.stringify({ ...fixture('03'), type: 5 }),
      'type is null': JSON.stringify({ ...fixture('03'), type: null }),
      'type missing': JSON.stringify({ data: fixture('03').data, object: 'event' }),
      'data missing': JSON.stringify({ type: 'user.created', object: 'event' }),
      'data is null': JSON.stringify({ type: 'user.created', data: null }),
      'data is an array': JSON.stringify({ type: 'user.created', data: [fixture('03').data] }),
      'data is a string': JSON.stringify({ type: 'user.created', data: 'user_x' }),
      'two JSON values': good + good,
      'trailing garbage': good + 'x',
    };
    for (const [what, body] of Object.entries(cases)) {
      const r = await deliver(srv.url, body);
      assertDetail(r, 400, what);
      assert.notDeepEqual(r.json, { detail: 'Invalid webhook signature' },
        `${what}: the signature was valid; the detail should say what is wrong with the payload`);
    }
    assertNothingStored(srv.db, 'after the malformed payloads');
  });
});

// A signed user.created envelope of exactly `size` bytes (a long first_name).
function bodyOfSize(size, fill = 'x') {
  const ev = userEvent({ first_name: '' });
  ev.data.first_name = fill.repeat(size - JSON.stringify(ev).length);
  const body = JSON.stringify(ev);
  assert.equal(Buffer.byteLength(body), size);
  return body;
}

function signedHead(body, extra) {
  const h = signedHeaders(msgId(), nowSec(), body);
  return `POST ${WEBHOOK_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
    `svix-id: ${h['svix-id']}\r\nsvix-timestamp: ${h['svix-timestamp']}\r\n` +
    `svix-signature: ${h['svix-signature']}\r\n${extra}\r\n`;
}

test('a signed body over 1 MiB answers 413 (Content-Length or chunked) and stores nothing', T, async () => {
  await withServer(async (srv) => {
    for (const size of [2 * MiB, MiB + 1]) {
      const body = Buffer.from(bodyOfSize(size));
      // Announced by Content-Length, the whole body sent.
      const pieces = [];
      for (let at = 0; at < size; at += 64 * 1024) pieces.push(body.subarray(at, at + 64 * 1024));
      let r = await rawRequest(srv.port,
        [signedHead(body.toString(), `Content-Length: ${size}\r\n`), ...pieces], { timeout: 15000 });
      assert.equal(r.status, 413, `${size} bytes, Content-Length: ${r.raw.slice(0, 300)}`);
      assert.equal(typeof JSON.parse(r.body).detail, 'string');

      // Chunked: no length announced, the limit is hit while reading.
      const parts = [signedHead(body.toString(), 'Transfer-Encoding: chunked\r\n')];
      for (let at = 0; at < size; at += 64 * 1024) {
        const piece = body.subarray(at, at + 64 * 1024);
        parts.push(Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]));
      }
      parts.push('0\r\n\r\n');
      r = await rawRequest(srv.port, parts, { timeout: 15000 });
      assert.equal(r.status, 413, `${size} bytes, chunked: ${r.raw.slice(0, 300)}`);
      assert.equal(typeof JSON.parse(r.body).detail, 'string');
    }
    assertNothingStored(srv.db, 'after the oversized bodies');
    assert.equal((await health(srv.url)).status, 200);
  });
});

test('a signed 2 MiB body sent whole by a real HTTP client gets the 413, not a connection reset', T, async () => {
  // Svix posts the whole body; the 413 must reach it (no RST from closing
  // with unread data), otherwise the failure shows as a network error.
  await withServer(async (srv) => {
    const body = bodyOfSize(2 * MiB);
    for (let i = 0; i < 5; i++) {
      const r = await deliver(srv.url, body);
      assertDetail(r, 413, `attempt ${i + 1}`);
    }
    assertNothingStored(srv.db, 'after the oversized bodies');
  });
});

test('a signed body of exactly 1 MiB is accepted and stored whole', T, async () => {
  await withServer(async (srv) => {
    const body = bodyOfSize(MiB, 'y');
    const r = await deliver(srv.url, body);
    assertOk(r, 'exactly 1 MiB');
    const stored = event(srv.db, r.id);
    assert.equal(stored?.status, 'applied');
    assert.equal(stored.payload.length, MiB);
    assert.ok(stored.payload === body, 'payload equals the body');
    assert.equal(users(srv.db)[0].first_name, JSON.parse(body).data.first_name);
  });
});

test('no signing secret configured: 503 naming CLERK_WEBHOOK_SIGNING_SECRET, nothing stored', T, async () => {
  await withServer(async (srv) => {
    for (const p of ['/api/v1/auth/clerk_webhook/', '/api/v1/auth/clerk_webhook']) {
      const r = await deliver(srv.url, fixtureText('03'), { path: p });
      const detail = assertDetail(r, 503, `signed delivery to ${p}`);
      assert.match(detail, /CLERK_WEBHOOK_SIGNING_SECRET/);
      assert.match(r.headers.get('content-type') || '', /^application\/json\b/);
    }
    const unsigned = await fetch(srv.url + WEBHOOK_PATH, { method: 'POST', body: '{}' });
    assert.equal(unsigned.status, 503, 'unsigned delivery');
    assert.match((await unsigned.json()).detail, /CLERK_WEBHOOK_SIGNING_SECRET/);
    assertNothingStored(srv.db, 'without a secret');
    assert.equal((await health(srv.url)).status, 200, 'the rest of the server works');
  }, { env: { CLERK_WEBHOOK_SIGNING_SECRET: undefined } });
});

test('webhook_events.payload is the raw request body, byte for byte', T, async () => {
  await withServer(async (srv) => {
    // Pretty-printed with odd spacing: tabs, CRLF, spaces before colons,
    // a \u escape, raw UTF-8 (accent, emoji, CJK) and a trailing newline.
    const body = '  {\r\n\t"type" :\t"user.created" ,\n' +
      '   "object":"event",   "timestamp" : 1757931000180,\n' +
      '\t"data" : {  "id" : "user_2rawBytes0000000000000001", "object": "user",\r\n' +
      '      "first_name" : "Al\\u00efce \\"A\\"" , "last_name":"Ngüyen 🦊 名前",\n' +
      '   "username" : null , "primary_email_address_id" : "idn_p",\n' +
      '   "email_addresses" : [ { "id" : "idn_p" , "email_address" : "raw@example.com" } ],\n' +
      '   "image_url": "https://img.clerk.com/x",  "created_at" : 1757931000000 ,"updated_at":1757931000000 }\n' +
      '}\n\n';
    const r = await deliver(srv.url, body);
    assertOk(r);
    const ev = event(srv.db, r.id);
    assert.equal(ev?.status, 'applied');
    assert.equal(ev.payload, body, 'payload is the body exactly (not re-serialised JSON)');
    assert.equal(Buffer.byteLength(ev.payload), Buffer.byteLength(body));
    const u = users(srv.db);
    assert.equal(u.length, 1);
    assert.equal(u[0].clerk_id, 'user_2rawBytes0000000000000001');
    assert.equal(u[0].first_name, 'Alïce "A"');
    assert.equal(u[0].last_name, 'Ngüyen 🦊 名前');
    assert.equal(u[0].email, 'raw@example.com');

    // A fixture as it is on disk (pretty-printed, trailing newline).
    const f = fixtureText('06');
    const r2 = await deliver(srv.url, f);
    assertOk(r2);
    assert.equal(event(srv.db, r2.id).payload, f);
  });
});

test('the same svix-id delivered twice: the second answers 200 and nothing changes', T, async () => {
  await withServer(async (srv) => {
    const id = msgId();
    const body = fixtureText('03');
    assertOk(await deliver(srv.url, body, { id }), 'first delivery');
    const before = mirror(srv.db);
    const evBefore = event(srv.db, id);
    assert.equal(before.users.length, 1);
    assert.equal(evBefore.attempts, 1);
    await sleep(30); // a change would show in updated_at

    assertOk(await deliver(srv.url, body, { id }), 'second delivery (same body)');
    // A later event under the same id is a duplicate too: not applied.
    assertOk(await deliver(srv.url, fixtureText('06'), { id }), 'third delivery (same id, other body)');

    assert.deepEqual(mirror(srv.db), before, 'users (with updated_at), orgs, memberships, tombstones unchanged');
    assert.deepEqual(event(srv.db, id), evBefore, 'the event row is unchanged (attempts 1, same payload)');
    assert.equal(count(srv.db, 'webhook_events'), 1);

    // An ignored event delivered again is a duplicate as well.
    const sid = msgId();
    const ignored = JSON.stringify({ type: 'waitlistEntry.created', object: 'event', data: { id: 'wle_1' } });
    assertOk(await deliver(srv.url, ignored, { id: sid }));
    assertOk(await deliver(srv.url, ignored, { id: sid }));
    const s = event(srv.db, sid);
    assert.equal(s.status, 'ignored');
    assert.equal(s.attempts, 1);
    assert.deepEqual(mirror(srv.db), before);
  });
});

test('every fixture delivered twice with the same svix-id is idempotent', T, async () => {
  await withServer(async (srv) => {
    const nums = ['01', '02', '03', '04', '05', '06', '07', '08'];
    const ids = nums.map(() => msgId());
    for (const [i, n] of nums.entries()) assertOk(await deliver(srv.url, fixtureText(n), { id: ids[i] }), n);
    const before = mirror(srv.db);
    const evBefore = events(srv.db);
    for (const [i, n] of nums.entries()) assertOk(await deliver(srv.url, fixtureText(n), { id: ids[i] }), `${n} again`);
    assert.deepEqual(mirror(srv.db), before);
    assert.deepEqual(events(srv.db), evBefore);
    assert.ok(evBefore.every((e) => e.attempts === 1));
  });
});

test('a signed event that cannot be applied answers 422, is stored as failed, and each redelivery counts', T, async () => {
  await withServer(async (srv) => {
    const noId = fixture('03');
    delete noId.data.id;
    const noPud = fixture('05');
    delete noPud.data.public_user_data;
    const noOrg = fixture('05');
    delete noOrg.data.organization;
    const badTime = fixture('03');
    badTime.data.updated_at = 'yesterday';
    const numId = fixture('02');
    numId.data.id = 42;
    const delNoId = fixture('11');
    delete delNoId.data.id;
    const cases = {
      'user.created without data.id': noId,
      'organizationMembership.created without public_user_data': noPud,
      'organizationMembership.created without organization': noOrg,
      'user.created with a string updated_at': badTime,
      'organization.created with a numeric id': numId,
      'user.deleted without data.id': delNoId,
    };
    for (const [what, ev] of Object.entries(cases)) {
      const body = JSON.stringify(ev);
      const id = msgId();
      const r = await deliver(srv.url, body, { id });
      assertDetail(r, 422, what);
      let row = event(srv.db, id);
      assert.ok(row, `${what}: stored`);
      assert.equal(row.status, 'failed', what);
      assert.equal(row.type, ev.type, what);
      assert.equal(row.attempts, 1, what);
      assert.equal(typeof row.error, 'string', `${what}: error set`);
      assert.ok(row.error.length > 0 && row.error !== 'processing', `${what}: error is "${row.error}"`);
      assert.equal(row.payload, body, what);

      // Svix retries under the same id: tried again, 422 again.
      assertDetail(await deliver(srv.url, body, { id }), 422, `${what} (retry)`);
      row = event(srv.db, id);
      assert.equal(row.status, 'failed', `${what} (retry)`);
      assert.equal(row.attempts, 2, `${what} (retry): attempts`);
    }
    // Nothing of the failed events' effects stays (no stubs either).
    assert.equal(count(srv.db, 'users'), 0);
    assert.equal(count(srv.db, 'organizations'), 0);
    assert.equal(count(srv.db, 'organization_memberships'), 0);
    assert.equal(count(srv.db, 'clerk_tombstones'), 0);
    assert.equal(count(srv.db, 'webhook_events'), Object.keys(cases).length);
    // The server goes on applying good events.
    assertOk(await deliver(srv.url, fixtureText('03')));
    assert.equal(count(srv.db, 'users'), 1);
  });
});

test('unknown event types answer 200 and are recorded as ignored, changing nothing', T, async () => {
  await withServer(async (srv) => {
    const cases = [
      ['waitlistEntry.created', JSON.stringify({
        type: 'waitlistEntry.created', object: 'event',
        data: { id: 'wle_1', object: 'waitlist_entry', email_address: 'w@example.com' },
      })],
      ['foo.bar', JSON.stringify({ type: 'foo.bar', object: 'event', data: {} })],
      ['email.created', JSON.stringify({ type: 'email.created', object: 'event', data: { id: 'ema_1', object: 'email' } })],
      ['an empty type', JSON.stringify({ type: '', object: 'event', data: { id: IDS.alice } })],
      ['USER.CREATED (types are case-sensitive)', JSON.stringify({ ...fixture('03'), type: 'USER.CREATED' })],
    ];
    for (const [what, body] of cases) {
      const r = await deliver(srv.url, body);
      assertOk(r, what);
      const row = event(srv.db, r.id);
      assert.equal(row?.status, 'ignored', what);
      assert.equal(row.attempts, 1, what);
      assert.equal(row.payload, body, what);
    }
    assert.deepEqual(mirror(srv.db), { users: [], orgs: [], memberships: [], tombstones: [] });
    assert.equal(event(srv.db, (await deliver(srv.url, JSON.stringify(orgEvent()))).id).status, 'applied');
  });
});
