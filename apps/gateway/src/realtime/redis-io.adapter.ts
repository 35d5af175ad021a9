import { randomBytes } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import type Redis from 'ioredis';
import type { Server, ServerOptions } from 'socket.io';
import type { AppConfig } from '@chat/config';
import { redisKeys } from '@chat/contracts';

/**
 * Socket.IO over the sharded Redis adapter (SSUBSCRIBE/SPUBLISH, Redis ≥ 7). "dynamic" mode gives
 * each room its own channel, so a replica only receives the broadcasts of rooms it has sockets in.
 */
export class RedisIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
    private readonly pub: Redis,
    private readonly sub: Redis,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: Partial<ServerOptions>): Server {
    const { gateway } = this.config;
    const server: Server = super.createIOServer(port, {
      ...options,
      pingInterval: gateway.socket.pingIntervalMs,
      pingTimeout: gateway.socket.pingTimeoutMs,
      maxHttpBufferSize: gateway.socket.maxPayloadBytes,
      cors: { origin: gateway.corsOrigins === '*' ? true : gateway.corsOrigins, credentials: true },
      adapter: createShardedAdapter(this.pub, this.sub, {
        channelPrefix: redisKeys(this.config.redis.prefix).adapterChannel,
        subscriptionMode: 'dynamic',
      }),
    } as ServerOptions);
    if (gateway.sidRouting) {
      // nginx reads the replica back out of `?sid=` and routes every later polling request and
      // the WebSocket upgrade to it, while new sessions are still balanced across replicas.
      server.engine.generateId = () => `${gateway.replicaId}.${randomBytes(15).toString('base64url')}`;
    }
    return server;
  }
}
