// The hello service: answers GET / with its message and GET /health with the
// health its config names. Plain Node, no dependencies.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const HEALTH_STATUS = { ok: 200, warning: 200, critical: 503 };

const server = createServer((req, res) => {
  if (req.url === '/health') {
    const status = HEALTH_STATUS[config.health] ?? 500;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: config.health }));
    return;
  }
  if (req.url === '/') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: config.message, member_id: config.member_id, service_group: config.service_group }));
    return;
  }
  res.writeHead(404).end();
});

server.listen(config.port, config.host, () => {
  console.log(`hello listening on ${config.host}:${config.port}`);
});

// Finish open requests, then exit, when the supervisor asks us to stop.
process.on('SIGTERM', () => {
  console.log('hello stopping');
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
