import { maxBodyBytes } from "./security-headers";

/** A request body the API cannot take: its status (400, 413, 415), an error code and what to send instead. */
export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const jsonType = /^application\/json\s*(;|$)/i;
const formType = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/** Whether the request says its body is an urlencoded form (a plain HTML form's). */
export const isFormBody = (request: Request): boolean => formType.test(request.headers.get("content-type") ?? "");

/**
 * The fields of a body: a JSON object, or (with `forms`) an urlencoded form. At most `maxBodyBytes` are
 * read, and a longer body gets a 413 before anything is parsed, whatever Content-Length claims. `lenient`
 * reads a body it cannot make sense of as no fields (sign-out still signs out); otherwise that is a 4xx.
 */
export async function readFields(request: Request, { forms = false, lenient = false } = {}): Promise<Record<string, unknown>> {
  const type = request.headers.get("content-type") ?? "";
  const isForm = forms && formType.test(type);
  if (!lenient && !isForm && !jsonType.test(type)) {
    throw new BodyError(415, "unsupported_media_type", "Send the body as JSON with Content-Type: application/json.");
  }
  const text = await readLimited(request, maxBodyBytes);
  if (isForm) return Object.fromEntries(new URLSearchParams(text));
  try {
    return parseJsonObject(text);
  } catch (error) {
    if (lenient) return {};
    throw error;
  }
}

function parseJsonObject(text: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BodyError(400, "invalid_json", "The body is not valid JSON.");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new BodyError(400, "invalid_body", "The body must be a JSON object.");
  }
  return body as Record<string, unknown>;
}

const tooLarge = () => new BodyError(413, "body_too_large", `The body must be under ${maxBodyBytes} bytes.`);

// Stops reading at the limit, so a client that lies about Content-Length cannot make us buffer gigabytes.
async function readLimited(request: Request, limit: number): Promise<string> {
  if (Number(request.headers.get("content-length") ?? "0") > limit) throw tooLarge();
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new BodyError(400, "invalid_encoding", "The body must be UTF-8.");
  }
}
