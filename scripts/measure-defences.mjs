// The figures of docs/security.md ("Measured"): the stall a huge body causes, a password spray from one
// machine, and a stranger's lock-out of an owner. Point it at one app you started yourself on loopback
// (it registers two throwaway accounts and sends a 9.8 MB body):
//   node scripts/measure-defences.mjs http://127.0.0.1:5401
// Run it once against an app with TRUSTED_PROXIES unset and once with TRUSTED_PROXIES=1 (where the
// X-Forwarded-For it writes plays the proxy's hop, so the stranger and the owner are different addresses).
const base = process.argv[2];
const origin = { origin: base };
const json = (body, headers = {}) => ({ method: "POST", headers: { "content-type": "application/json", ...origin, ...headers }, body: JSON.stringify(body) });
const uniq = () => `m${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const password = "correct-horse-battery-staple-42";

async function register(user) {
  const r = await fetch(`${base}/api/register`, json({ username: user, password }, { "x-forwarded-for": `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}` }));
  return { status: r.status, cookie: r.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ") };
}

// 1. The stall: a signed-in reader's GET /api/session latency while a 9.8 MB nested JSON body goes to /api/logout.
async function stall() {
  const { cookie } = await register(uniq());
  const nested = `{"everywhere":${"[".repeat(4_900_000)}${"]".repeat(4_900_000)}}`;
  const times = [];
  let reading = true;
  const reader = (async () => {
    while (reading) {
      const t = performance.now();
      await (await fetch(`${base}/api/session`, { headers: { cookie } })).text();
      times.push(performance.now() - t);
    }
  })();
  await new Promise((r) => setTimeout(r, 300));
  const t = performance.now();
  const answer = await fetch(`${base}/api/logout`, { method: "POST", headers: { "content-type": "application/json" }, body: nested });
  const took = performance.now() - t;
  await new Promise((r) => setTimeout(r, 300));
  reading = false;
  await reader;
  console.log(`stall: 9.8 MB nested JSON to /api/logout -> ${answer.status} in ${took.toFixed(0)} ms; other user's reads: ${times.length}, slowest ${Math.max(...times).toFixed(0)} ms`);
}

// 2. The spray: 30 wrong sign-ins for 30 usernames, a fresh X-Forwarded-For each.
async function spray() {
  const statuses = [];
  for (let i = 0; i < 30; i++) {
    const r = await fetch(`${base}/api/login`, json({ username: uniq(), password: "Winter2026!!" }, { "x-forwarded-for": `203.0.113.${i + 1}` }));
    statuses.push(r.status);
  }
  const first429 = statuses.indexOf(429);
  console.log(`spray: 30 wrong sign-ins, fresh X-Forwarded-For each -> ${statuses.filter((s) => s === 401).length} x 401, ${statuses.filter((s) => s === 429).length} x 429${first429 >= 0 ? ` (first 429 at attempt ${first429 + 1})` : ""}`);
}

// 3. The lock-out: five wrong guesses by a stranger, then the owner signs in (from another address where one can be told apart).
async function lockout() {
  const user = uniq();
  await register(user);
  for (let i = 0; i < 5; i++) await fetch(`${base}/api/login`, json({ username: user, password: "wrong-guess-123" }, { "x-forwarded-for": "203.0.113.200" }));
  const r = await fetch(`${base}/api/login`, json({ username: user, password }, { "x-forwarded-for": "198.51.100.9" }));
  console.log(`lock-out: 5 wrong guesses by a stranger, then the owner's right password -> ${r.status}${r.status === 429 ? ` (Retry-After ${r.headers.get("retry-after")} s)` : ""}`);
}

await stall();
await spray();
await lockout();
