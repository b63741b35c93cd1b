// Health check for greeter: ok when GET / answers 200, critical when it does
// not answer. Exit codes are the health-check hook contract.
const url = process.argv[2];
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  console.log(`${url} answered ${res.status}`);
  process.exit(res.ok ? 0 : 2);
} catch (err) {
  console.error(`${url} did not answer: ${err.cause?.code ?? err.message}`);
  process.exit(2);
}
