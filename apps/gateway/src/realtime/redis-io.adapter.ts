import { randomBytes } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import type { Server, ServerOptions, Socket } from 'socket.io';
import type { AppConfig } from '@chat/config';
import { redisKeys } from '@chat/contracts';
import { corsOptions } from '../common/http-hardening';
import { SocketDispatcher } from './socket-dispatcher';
import type { RedisClient } from '@chat/redis';

/**
 * Socket.IO over the sharded Redis adapter (SSUBSCRIBE/SPUBLISH, Redis ≥ 7). "dynamic" mode gives
 * each room its own channel, so a replica only receives the broadcasts of rooms it has sockets in.
 * Socket events go through one shared SocketDispatcher.
 */
export class RedisIoAdapter extends IoAdapter {
  private readonly dispatcher = new SocketDispatcher((payload) => this.mapPayload(payload));

  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
    private readonly pub: RedisClient,
    private readonly sub: RedisClient,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: Partial<ServerOptions>): Server {
    const { gateway } = this.config;
    const cors = corsOptions(this.config);
    const server: Server = super.createIOServer(port, {
      ...options,
      pingInterval: gateway.socket.pingIntervalMs,
      pingTimeout: gateway.socket.pingTimeoutMs,
      maxHttpBufferSize: gateway.socket.maxPayloadBytes,
      ...(cors ? { cors } : {}),
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

  /** Nest's contract without its RxJS pipeline per event per socket; its third argument (a result-to-Observable step) is not needed. */
  override bindMessageHandlers(socket: Socket, handlers: MessageMappingProperties[]): void {
    this.dispatcher.bind(socket, handlers);
  }
}
