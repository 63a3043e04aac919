// A tiny health service for the engine and CLI tests; it writes its pid so tests can prove it stopped.
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';

const port = Number('${{ port }}');
writeFileSync('server.pid', String(process.pid));
const server = createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok' }));
    return;
  }
  res.writeHead(404);
  res.end();
});
server.listen(port, '127.0.0.1');
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
