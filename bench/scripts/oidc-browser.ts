/**
 * The two sides the OpenID Provider part plays (oidc.ts): a browser signed in to the fleet, following the
 * provider's redirects with its cookies until it holds a code, and the relying party, exchanging that code
 * (and later its refresh token) at the token endpoint, as apps/django does (client_secret_basic, PKCE S256).
 * Plain node:http on keep-alive connections: the lightest client, so the bench's CPU stays off the figures.
 */
import { createHash, randomBytes } from "node:crypto";
import { Agent, request } from "node:http";

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export interface Reply {
  status: number;
  location: string | undefined;
  setCookies: string[];
  body: string;
}

export function send(url: URL, { method = "GET", headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: body === undefined ? headers : { ...headers, "content-length": Buffer.byteLength(body) }, agent }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, setCookies: res.headers["set-cookie"] ?? [], body: text }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The relying party: a confidential client of the provider at `issuer`. */
export interface RelyingParty {
  issuer: string;
  clientId: string;
  secret: string;
  redirectUri: string;
}

/** A code the browser brought back, with the PKCE verifier its authorization request was made with. */
export interface IssuedCode {
  code: string;
  verifier: string;
}

/** A browser's cookie jar: every cookie goes to every request (the provider's paths do not matter here). */
export class Browser {
  readonly #cookies = new Map<string, string>();

  constructor(cookie: string) {
    this.#keep(cookie);
  }

  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  take(setCookies: string[]): void {
    for (const set of setCookies) this.#keep(set.split(";", 1)[0] as string);
  }

  #keep(pair: string): void {
    const name = pair.slice(0, pair.indexOf("="));
    const value = pair.slice(pair.indexOf("=") + 1);
    if (value) this.#cookies.set(name, value);
    else this.#cookies.delete(name); // a cookie cleared
  }
}

/**
 * GET /oidc/auth as a browser, then every redirect the provider answers (its interaction, the resume) until
 * the one to the client's redirect_uri: the code. Anything else (the sign-in page, an error) throws.
 */
export async function authorize(browser: Browser, rp: RelyingParty): Promise<IssuedCode> {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const params = { client_id: rp.clientId, response_type: "code", scope: "openid profile", redirect_uri: rp.redirectUri, state: randomBytes(12).toString("base64url"), nonce: randomBytes(12).toString("base64url"), code_challenge: challenge, code_challenge_method: "S256" };
  let url = new URL(`/oidc/auth?${new URLSearchParams(params)}`, rp.issuer);
  for (let hop = 0; hop < 6; hop++) {
    const reply = await send(url, { headers: { cookie: browser.header() } });
    browser.take(reply.setCookies);
    if (!reply.location) throw new Error(`${url.pathname} answered ${reply.status} without a redirect: ${reply.body.slice(0, 300)}`);
    const next = new URL(reply.location, url);
    if (next.href.startsWith(rp.redirectUri)) {
      const code = next.searchParams.get("code");
      if (!code) throw new Error(`the provider sent the client no code: ${next.search}`);
      return { code, verifier };
    }
    if (next.origin !== rp.issuer || next.pathname === "/login") throw new Error(`the browser left the provider for ${next.href} (not signed in?)`);
    url = next;
  }
  throw new Error("too many redirects");
}

export interface Tokens {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
}

/** POST /oidc/token with the client's secret (client_secret_basic): throws unless 200 with the tokens. */
async function tokenRequest(rp: RelyingParty, form: Record<string, string>): Promise<Tokens> {
  const basic = Buffer.from(`${encodeURIComponent(rp.clientId)}:${encodeURIComponent(rp.secret)}`).toString("base64");
  const reply = await send(new URL("/oidc/token", rp.issuer), {
    method: "POST",
    headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
  });
  if (reply.status !== 200) throw new Error(`token endpoint (${form.grant_type}) answered ${reply.status}: ${reply.body.slice(0, 300)}`);
  const tokens = JSON.parse(reply.body) as Tokens;
  if (!tokens.access_token || !tokens.id_token) throw new Error(`token endpoint (${form.grant_type}) answered without the tokens: ${reply.body.slice(0, 300)}`);
  return tokens;
}

export function exchangeCode(rp: RelyingParty, { code, verifier }: IssuedCode): Promise<Tokens> {
  return tokenRequest(rp, { grant_type: "authorization_code", code, redirect_uri: rp.redirectUri, code_verifier: verifier });
}

export function refresh(rp: RelyingParty, refreshToken: string): Promise<Tokens> {
  return tokenRequest(rp, { grant_type: "refresh_token", refresh_token: refreshToken });
}

/** Runs `work` on every item, `concurrency` at a time; resolves with the results in order. */
export async function inPool<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
