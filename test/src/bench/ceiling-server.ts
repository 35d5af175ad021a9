// The benchmark's ceiling: the least a horizontally scaled Socket.IO chat can do — the same
// sharded Redis adapter as the gateway, and nothing else (no auth, no checks, no seq, no
// persistence). Run as N processes (PORT, REDIS_URL); the cluster can only be slower than this.
import { createServer } from 'node:http';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { Server } from 'socket.io';

type Ack = (reply: { ok: true; data: Record<string, unknown> } | { ok: false; error: { code: string; message: string } }) => void;

interface SendPayload {
  room: number;
  msg: string;
  clientMsgId?: string;
}

const port = Number(process.env.PORT ?? 3000);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const pub = new Redis(redisUrl);
const sub = pub.duplicate();

const http = createServer((request, response) => {
  // Only a liveness probe for the launcher; Socket.IO answers its own path before this runs.
  response.writeHead(request.url === '/health' ? 200 : 404).end();
});
const io = new Server(http, { adapter: createShardedAdapter(pub, sub, { subscriptionMode: 'dynamic' }) });

let counter = 0;
const refuse = (ack: unknown) =>
  typeof ack === 'function' && (ack as Ack)({ ok: false, error: { code: 'VALIDATION_FAILED', message: 'bad payload' } });

io.on('connection', (socket) => {
  socket.on('join', (room: unknown, ack: unknown) => {
    if (typeof room !== 'number' || typeof ack !== 'function') return refuse(ack);
    void Promise.resolve(socket.join(`room:${room}`)).then(() => (ack as Ack)({ ok: true, data: { room } }));
  });
  socket.on('message', (payload: SendPayload | undefined, ack: unknown) => {
    if (typeof payload?.room !== 'number' || typeof payload.msg !== 'string' || typeof ack !== 'function') return refuse(ack);
    const id = `${process.pid}-${++counter}`;
    const message = {
      id,
      roomId: payload.room,
      content: payload.msg,
      clientMsgId: payload.clientMsgId,
      createdAt: new Date().toISOString(),
    };
    io.to(`room:${payload.room}`).emit('message', message);
    (ack as Ack)({ ok: true, data: { id } });
  });
});

http.listen(port, '127.0.0.1');

const shutdown = () => {
  void io.close(() => {
    pub.disconnect();
    sub.disconnect();
    process.exit(0);
  });
  setTimeout(() => process.exit(0), 2_000).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
