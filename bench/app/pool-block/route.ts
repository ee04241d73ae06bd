import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname } from "node:path";

export const dynamic = "force-dynamic";

/**
 * A diagnostic: takes every thread of libuv's pool without using any CPU, by opening a FIFO nobody writes
 * to (each open waits on a pool thread until the bench opens the FIFO for writing). Reads that still answer
 * then need no pool thread. Only FIFOs the bench made in the temp dir.
 */
export async function POST(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const fifo = url.searchParams.get("fifo") ?? "";
  const threads = Number(url.searchParams.get("threads") ?? 4);
  if (dirname(fifo) !== tmpdir() || !basename(fifo).startsWith("ironlink-bench-fifo-") || !(threads >= 1 && threads <= 128)) {
    return Response.json({ error: "bad_request" }, { status: 400 });
  }
  for (let i = 0; i < threads; i++) void open(fifo, "r").then((handle) => handle.close(), () => undefined);
  return Response.json({ blocked: threads });
}
