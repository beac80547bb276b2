// Prepares the users/me and auth/check benchmarks: an RSA key (public half
// as PEM for CLERK_JWT_KEY), N users each in 3 organizations as SQL, and
// two valid session tokens per user (signed with the npm jose package,
// 10 min life): a v1 token (tokens.txt) and a v2 token whose "o" and "fea"
// claims grant org:feature:read and org:feature:manage (tokens-v2.txt).
// Usage: node bench/api-gen.mjs N OUTDIR
import fs from 'node:fs';
import path from 'node:path';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';

const [nArg, out] = process.argv.slice(2);
const n = Number(nArg);
const { publicKey, privateKey } = await generateKeyPair('RS256');
fs.writeFileSync(path.join(out, 'pub.pem'), await exportSPKI(publicKey));

const orgs = 30;
const sql = ['BEGIN;'];
for (let o = 1; o <= orgs; o++)
  sql.push(`INSERT INTO organizations (id, clerk_id, name, slug) VALUES (${o}, 'org_bench${o}', 'Org ${o}', 'org-${o}');`);
for (let u = 1; u <= n; u++) {
  sql.push(`INSERT INTO users (id, clerk_id, email, first_name, last_name) VALUES (${u}, 'user_bench${u}', 'u${u}@example.com', 'User', '${u}');`);
  for (let k = 0; k < 3; k++) {
    const o = ((u + k * 7) % orgs) + 1;
    sql.push(`INSERT INTO organization_memberships (user_id, organization_id, role) VALUES (${u}, ${o}, '${k === 0 ? 'org:admin' : 'org:member'}');`);
  }
}
sql.push('COMMIT;');
fs.writeFileSync(path.join(out, 'seed.sql'), sql.join('\n') + '\n');

const now = Math.floor(Date.now() / 1000);
const tokens = [];
for (let u = 1; u <= n; u++) {
  tokens.push(await new SignJWT({
    sub: `user_bench${u}`, sid: `sess_bench${u}`, azp: 'http://localhost:3000',
    iss: 'https://example.accounts.dev',
    org_id: `org_bench${((u) % orgs) + 1}`, org_role: 'org:admin', org_slug: `org-${(u % orgs) + 1}`,
    org_permissions: [],
  }).setProtectedHeader({ alg: 'RS256', kid: 'ins_bench', typ: 'JWT' })
    .setIssuedAt(now).setNotBefore(now - 10).setExpirationTime(now + 600).sign(privateKey));
}
fs.writeFileSync(path.join(out, 'tokens.txt'), tokens.join('\n') + '\n');

const v2 = [];
for (let u = 1; u <= n; u++) {
  v2.push(await new SignJWT({
    v: 2, sub: `user_bench${u}`, sid: `sess_bench_v2_${u}`, azp: 'http://localhost:3000',
    iss: 'https://example.accounts.dev', fva: [3, -1],
    o: { id: `org_bench${(u % orgs) + 1}`, rol: 'admin', slg: `org-${(u % orgs) + 1}`, per: 'read,manage', fpm: '3,1' },
    fea: 'o:feature,o:reports,u:beta', pla: 'o:pro',
  }).setProtectedHeader({ alg: 'RS256', kid: 'ins_bench', typ: 'JWT' })
    .setIssuedAt(now).setNotBefore(now - 10).setExpirationTime(now + 600).sign(privateKey));
}
fs.writeFileSync(path.join(out, 'tokens-v2.txt'), v2.join('\n') + '\n');
