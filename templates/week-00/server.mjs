// A tiny HTTP service for the week-00 lab: the kind of health endpoint every later lab probes.
// Rendered by ailab with the lab's vars (port), then started as a background step.
import { createServer } from 'node:http';

const port = Number('${{ port }}');
const started = Date.now();

const server = createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', uptime_s: Math.round((Date.now() - started) / 1000) }));
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found\n');
});

server.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
