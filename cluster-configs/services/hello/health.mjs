// Health check for hello: maps GET /health to the hook's exit codes
// (0 ok, 1 warning, 2 critical, 3 unknown). Uses Node's fetch: no curl needed.
const url = process.argv[2];
const EXIT = { ok: 0, warning: 1, critical: 2 };

try {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const body = await res.json().catch(() => ({}));
  console.log(`${url} answered ${res.status} ${JSON.stringify(body)}`);
  process.exit(EXIT[body.status] ?? 3);
} catch (err) {
  // Not answering at all is critical: the service is not serving.
  console.error(`${url} did not answer: ${err.cause?.code ?? err.message}`);
  process.exit(2);
}
