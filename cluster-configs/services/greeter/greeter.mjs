// The greeter: GET / answers its greeting and the hello backends it knows
// of; SIGHUP rereads the list (the reconfigure hook sends it).
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const path = process.argv[2];
let config = JSON.parse(readFileSync(path, 'utf8'));

const server = createServer((req, res) => {
  if (req.url === '/') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ greeting: config.greeting, backends: config.backends }));
    return;
  }
  res.writeHead(404).end();
});

server.listen(config.port, config.host, () => {
  console.log(`greeter listening on ${config.host}:${config.port} with ${config.backends.length} backend(s)`);
});

process.on('SIGHUP', () => {
  config = JSON.parse(readFileSync(path, 'utf8'));
  console.log(`greeter reloaded: ${config.backends.map((b) => b.url).join(' ') || 'no backends'}`);
});

process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
