// The floor under the gateway's CPU figure (bench/gateway.ts): the least a Node process does to
// pass a chat call on — node:http in, the body parsed and serialised again, node:http out on a
// keep-alive agent, the reply read whole and parsed (a stream piped through) — with nothing of
// routeops' (no key, no routing, no journal, no ledger). Measured at the same rate in the same
// run, it says how much of the gateway's CPU a call is this machine's HTTP cost.
// Run as its own process: PORT to listen on, TARGET the provider's base URL.
import http from 'node:http';

const target = process.env.TARGET!;
const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 256, scheduling: 'lifo' });

const server = http.createServer((req, res) => {
  const pieces: Buffer[] = [];
  req.on('data', (c: Buffer) => pieces.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(pieces).toString('utf8')) as { stream?: boolean };
    const text = JSON.stringify(body);
    // One retry: a pooled socket the simulator closed just then (a keep-alive race).
    const send = (retry: boolean) => {
      const up = http.request(`${target}/chat/completions`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), authorization: 'Bearer sim' } }, (reply) => {
        if (body.stream) {
          res.writeHead(reply.statusCode ?? 502, { 'content-type': 'text/event-stream' });
          reply.pipe(res);
          return;
        }
        const got: Buffer[] = [];
        reply.on('data', (c: Buffer) => got.push(c));
        reply.on('end', () => {
          const out = Buffer.concat(got).toString('utf8');
          JSON.parse(out);
          res.writeHead(reply.statusCode ?? 502, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
          res.end(out);
        });
      });
      up.on('error', () => {
        if (retry) return send(false);
        res.writeHead(502);
        res.end();
      });
      up.end(text);
    };
    send(true);
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('listening'));
process.on('SIGTERM', () => process.exit(0));
