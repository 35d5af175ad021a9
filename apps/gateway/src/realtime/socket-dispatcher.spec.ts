import 'reflect-metadata';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IoAdapter } from '@nestjs/platform-socket.io';
import {
  MessageBody,
  type MessageMappingProperties,
  type OnGatewayConnection,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type Redis from 'ioredis';
import { EMPTY, from, isObservable, type Observable, of, throwError, timer } from 'rxjs';
import { map, mergeAll } from 'rxjs/operators';
import type { Server, ServerOptions, Socket } from 'socket.io';
import { io, type Socket as ClientSocket } from 'socket.io-client';
import type { AppConfig } from '@chat/config';
import { RedisIoAdapter } from './redis-io.adapter';
import { type DispatchedSocket, SocketDispatcher } from './socket-dispatcher';
import { takeTurn } from './socket-turns';

type AnyListener = (event: string, ...args: unknown[]) => void;

/** A server-side socket as the dispatcher and Nest's IoAdapter see it: incoming events go through `receive`, outgoing ones are recorded. */
class FakeSocket extends EventEmitter implements DispatchedSocket {
  readonly sent: [event: string, data: unknown][] = [];
  readonly anyListeners: AnyListener[] = [];

  onAny(listener: AnyListener): this {
    this.anyListeners.push(listener);
    return this;
  }

  override emit(event: string, ...args: unknown[]): boolean {
    this.sent.push([event, args[0]]);
    return true;
  }

  /** As Socket.IO delivers an event: `onAny` listeners first, with the socket as `this`, then the event's own. */
  receive(event: string, ...args: unknown[]): void {
    for (const listener of this.anyListeners) listener.apply(this, [event, ...args]);
    super.emit(event, ...args);
  }
}

const settle = () => sleep(20);
/** Enough for a handler result that needs no timer: every promise step is a microtask. */
const tick = () => new Promise((resolve) => setImmediate(resolve));
const nestAdapter = new IoAdapter();
const mapPayload = (payload: unknown) => nestAdapter.mapPayload(payload);
const handler = (
  message: string,
  callback: (data: unknown, ack?: unknown) => unknown,
  isAckHandledManually = false,
): MessageMappingProperties => ({
  message,
  methodName: message,
  callback: callback as MessageMappingProperties['callback'],
  isAckHandledManually,
});
const acks = () => {
  const calls: unknown[] = [];
  return { calls, ack: (reply: unknown) => calls.push(reply) };
};
const refusal = (event: string) => ({ ok: false, error: { code: 'VALIDATION_FAILED', message: `Unknown event "${event}"` } });
const exception = (event: string) => ['exception', { event, code: 'VALIDATION_FAILED', message: `Unknown event "${event}"` }];

describe('SocketDispatcher: Nest’s handler contract', () => {
  const setup = (...handlers: MessageMappingProperties[]) => {
    const errors: unknown[] = [];
    const dispatcher = new SocketDispatcher(mapPayload, { error: (error: unknown) => errors.push(error) });
    const socket = new FakeSocket();
    dispatcher.bind(socket, handlers);
    return { dispatcher, socket, errors };
  };

  it('acks with the handler’s return value, which got the payload', async () => {
    const received: unknown[] = [];
    const { socket } = setup(handler('join', (data) => (received.push(data), { ok: true, data: { room: data } })));
    const { calls, ack } = acks();
    socket.receive('join', 7, ack);
    await settle();
    assert.deepEqual(received, [7]);
    assert.deepEqual(calls, [{ ok: true, data: { room: 7 } }]);
    assert.deepEqual(socket.sent, []);
  });

  it('emits a reply that names an event instead of acking it', async () => {
    const { socket } = setup(handler('ping', () => ({ event: 'pong', data: { n: 1 } })));
    const { calls, ack } = acks();
    socket.receive('ping', {}, ack);
    await settle();
    assert.deepEqual(socket.sent, [['pong', { n: 1 }]]);
    assert.deepEqual(calls, []);
  });

  it('awaits a Promise and an Observable; nothing to send is no reply', async () => {
    const { socket } = setup(
      handler('promise', async () => (await sleep(5), 'from a promise')),
      handler('observable', () => timer(5).pipe(map(() => 'from an observable'))),
      handler('event$', () => of({ event: 'done', data: 1 })),
      handler('empty$', () => EMPTY),
      handler('nothing', () => undefined),
      handler('null', () => null),
    );
    const { calls, ack } = acks();
    for (const event of ['promise', 'observable', 'event$', 'empty$', 'nothing', 'null']) socket.receive(event, {}, ack);
    await settle();
    assert.deepEqual(calls.sort(), ['from a promise', 'from an observable']);
    assert.deepEqual(socket.sent, [['done', 1]]);
  });

  it('leaves the ack to an @Ack() handler', async () => {
    const { socket } = setup(handler('manual', (_data, ack) => ((ack as (r: unknown) => void)('acked by the handler'), 'returned'), true));
    const { calls, ack } = acks();
    socket.receive('manual', {}, ack);
    await settle();
    assert.deepEqual(calls, ['acked by the handler']);
  });

  it('splits payload and ack as Nest does', async () => {
    const received: [unknown, string][] = [];
    const { socket } = setup(handler('x', (data, ack) => void received.push([data, typeof ack])));
    const ack = () => undefined;
    socket.receive('x');
    socket.receive('x', 1);
    socket.receive('x', 1, ack);
    socket.receive('x', 1, 2, ack);
    socket.receive('x', ack);
    await settle();
    assert.deepEqual(received, [
      [undefined, 'undefined'],
      [1, 'undefined'],
      [1, 'function'],
      [[1, 2], 'function'],
      [undefined, 'function'],
    ]);
  });

  it('answers an event no handler is bound to with an error ack and an `exception`, and nothing else', async () => {
    const called: string[] = [];
    const { socket } = setup(handler('join', () => void called.push('join')));
    const names = ['no_such_event', 'JOIN', 'join ', 'exception', 'constructor', 'hasOwnProperty', '__proto__', ''];
    for (const event of names) {
      const { calls, ack } = acks();
      socket.receive(event, { room: 1 }, ack);
      assert.deepEqual(calls, [refusal(event)], event);
    }
    socket.receive('without_ack', { room: 1 });
    await settle();
    assert.deepEqual(called, []);
    assert.deepEqual(socket.sent, [...names, 'without_ack'].map(exception));
  });

  it('refuses an event another socket has a handler for but this one does not', async () => {
    const { dispatcher } = setup(handler('join', () => 'joined'));
    const other = new FakeSocket();
    dispatcher.bind(other, []);
    const { calls, ack } = acks();
    other.receive('join', 1, ack);
    await settle();
    assert.deepEqual(calls, [refusal('join')]);
  });

  it('serves the events of several gateways bound to one socket, through one listener', async () => {
    const { dispatcher, socket } = setup(handler('join', () => 'joined'));
    dispatcher.bind(socket, []); // a gateway with connection hooks only
    dispatcher.bind(socket, [handler('message', () => 'sent'), handler('typing', () => 'typed')]);
    const { calls, ack } = acks();
    for (const event of ['join', 'message', 'typing']) socket.receive(event, {}, ack);
    await settle();
    assert.deepEqual(calls, ['joined', 'sent', 'typed']);
    assert.equal(socket.anyListeners.length, 1);
  });

  it('refuses a second handler for an event, naming it, instead of replacing the first', async () => {
    const { dispatcher, socket } = setup(handler('message', () => 'first'));
    assert.throws(() => dispatcher.bind(socket, [handler('message', () => 'second')]), /"message"/);
    assert.throws(() => dispatcher.bind(new FakeSocket(), [handler('typing', () => 1), handler('typing', () => 2)]), /"typing"/);
    const { calls, ack } = acks();
    socket.receive('message', {}, ack);
    await settle();
    assert.deepEqual(calls, ['first']);
  });

  it('refuses an event bound with @Ack() on one socket and without on another', () => {
    const { dispatcher } = setup(handler('message', () => 'auto'));
    assert.throws(() => dispatcher.bind(new FakeSocket(), [handler('message', () => 'manual', true)]), /"message"/);
  });

  it('logs a handler’s error (thrown, rejected or from an Observable) and keeps serving the socket', async () => {
    const boom = new Error('thrown');
    const { socket, errors } = setup(
      handler('throws', () => {
        throw boom;
      }),
      handler('rejects', () => Promise.reject(new Error('rejected'))),
      handler('errors$', () => throwError(() => new Error('observable'))),
      handler('fine', () => 'fine'),
    );
    const { calls, ack } = acks();
    for (const event of ['throws', 'rejects', 'errors$', 'fine']) socket.receive(event, {}, ack);
    await settle();
    assert.deepEqual(errors.map((error) => (error as Error).message).sort(), ['observable', 'rejected', 'thrown']);
    assert.deepEqual(calls, ['fine']);
  });

  it('is what RedisIoAdapter binds socket handlers with', async () => {
    const adapter = new RedisIoAdapter(undefined as never, {} as AppConfig, {} as Redis, {} as Redis);
    const socket = new FakeSocket();
    adapter.bindMessageHandlers(socket as never, [handler('join', (data) => ({ room: data }))]);
    const [known, unknown] = [acks(), acks()];
    socket.receive('join', 3, known.ack);
    socket.receive('nope', 3, unknown.ack);
    await settle();
    assert.deepEqual(known.calls, [{ room: 3 }]);
    assert.deepEqual(unknown.calls, [refusal('nope')]);
  });
});

/** Nest's result step, as WebSocketsController.subscribeMessages hands it to bindMessageHandlers. */
const nestTransform = (result: unknown): Observable<unknown> =>
  from(
    (async () => {
      const value: unknown = await result;
      return isObservable(value) ? value : of(value);
    })(),
  ).pipe(mergeAll());

const versionOf = (pkg: string) =>
  (JSON.parse(readFileSync(join(dirname(require.resolve(pkg)), 'package.json'), 'utf8')) as { version: string }).version;

describe('SocketDispatcher: the Nest internals it stands in for', () => {
  it('was written against @nestjs/websockets and @nestjs/platform-socket.io 12 (re-check this file on a major upgrade)', () => {
    for (const pkg of ['@nestjs/websockets', '@nestjs/platform-socket.io']) assert.match(versionOf(pkg), /^12\./, pkg);
  });

  it('uses IoAdapter.prototype.mapPayload, which splits [data, ack] / data as the dispatcher expects', () => {
    assert.equal(typeof IoAdapter.prototype.mapPayload, 'function');
    const ack = () => undefined;
    assert.deepEqual(mapPayload(undefined), { data: undefined });
    assert.deepEqual(mapPayload({ room: 1 }), { data: { room: 1 } });
    assert.deepEqual(mapPayload([1, 2]), { data: [1, 2] });
    assert.deepEqual(mapPayload(ack), { data: undefined, ack });
    assert.deepEqual(mapPayload([{ room: 1 }, ack]), { data: { room: 1 }, ack });
    assert.deepEqual(mapPayload([1, 2, ack]), { data: [1, 2], ack });
  });

  it('answers every kind of handler result as Nest’s own IoAdapter.bindMessageHandlers does', async () => {
    const results: [string, () => unknown][] = [
      ['a value', () => ({ ok: true })],
      ['a Promise', () => Promise.resolve({ ok: 'later' })],
      ['an Observable of one value', () => of({ ok: 'observed' })],
      ['an event reply', () => ({ event: 'pong', data: 1 })],
      ['a Promise of an event reply', () => Promise.resolve({ event: 'pong', data: 2 })],
      ['undefined', () => undefined],
      ['null', () => null],
      ['an empty Observable', () => EMPTY],
    ];
    const ackFn = () => undefined;
    const argLists: unknown[][] = [[{ room: 1 }, ackFn], [{ room: 1 }], [ackFn], [1, 2, ackFn], []];
    const run = async (bind: (socket: FakeSocket, handlers: MessageMappingProperties[]) => void, manualAck: boolean) => {
      const socket = new FakeSocket();
      const seen: unknown[] = [];
      bind(
        socket,
        results.map(([name, result]) => handler(name, (data, ack) => (seen.push([name, data, typeof ack]), result()), manualAck)),
      );
      for (const [name] of results) {
        for (const args of argLists) {
          const { calls, ack } = acks();
          socket.receive(name, ...args.map((arg) => (arg === ackFn ? ack : arg)));
          await tick();
          seen.push([name, args.length, 'acked', calls]);
        }
      }
      return { seen, sent: socket.sent };
    };
    for (const manualAck of [false, true]) {
      const nest = await run(
        (socket, handlers) => new IoAdapter().bindMessageHandlers(socket as never, handlers, nestTransform),
        manualAck,
      );
      const ours = await run((socket, handlers) => new SocketDispatcher(mapPayload).bind(socket, handlers), manualAck);
      assert.deepEqual(ours, nest, `manual ack: ${manualAck}`);
    }
  });
});

/** What Nest called, in order. */
const calls: string[] = [];

/** The adapter, without Redis: only how Nest binds gateways to it is under test here. */
class LocalAdapter extends RedisIoAdapter {
  constructor(app: INestApplication) {
    super(app, {} as AppConfig, {} as Redis, {} as Redis);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    return IoAdapter.prototype.createIOServer.call(this, port, options);
  }

  override bindMessageHandlers(socket: Socket, handlers: MessageMappingProperties[]): void {
    calls.push(`bind [${handlers.map((h) => String(h.message)).join(', ')}]`);
    super.bindMessageHandlers(socket, handlers);
  }
}

@WebSocketGateway()
class ConnectionTestGateway implements OnGatewayConnection {
  handleConnection(): void {
    calls.push('ConnectionTestGateway.handleConnection');
  }
}

@WebSocketGateway()
class PresenceTestGateway implements OnGatewayConnection {
  handleConnection(): void {
    calls.push('PresenceTestGateway.handleConnection');
  }
}

@WebSocketGateway()
class RoomsTestGateway {
  @SubscribeMessage('join_room')
  join(@MessageBody() room: number) {
    return { ok: true, data: { room } };
  }
}

@WebSocketGateway()
class MessagesTestGateway {
  @SubscribeMessage('message')
  message(@MessageBody() text: string) {
    return { event: 'said', data: text };
  }
}

@Module({ providers: [ConnectionTestGateway, RoomsTestGateway, PresenceTestGateway, MessagesTestGateway] })
class SplitGatewaysModule {}

describe('SocketDispatcher under Nest: several gateways on one server', () => {
  let app: INestApplication;
  let client: ClientSocket;

  before(async () => {
    app = await NestFactory.create(SplitGatewaysModule, { logger: false });
    app.useWebSocketAdapter(new LocalAdapter(app));
    await app.listen(0, '127.0.0.1');
    const { port } = (app.getHttpServer() as HttpServer).address() as AddressInfo;
    client = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
    await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('connect_error', reject));
  });

  after(async () => {
    client?.close();
    await app?.close();
  });

  it('runs every connection hook, then binds each gateway’s handlers once per socket, empty lists included', () => {
    // In no fixed order: Nest connects the module's first gateway last (it awaits the adapter's set-up alone).
    const hooks = calls.filter((call) => call.endsWith('.handleConnection'));
    assert.deepEqual(calls.slice(0, 2).sort(), ['ConnectionTestGateway.handleConnection', 'PresenceTestGateway.handleConnection']);
    assert.deepEqual(calls.slice(hooks.length).sort(), ['bind []', 'bind []', 'bind [join_room]', 'bind [message]']);
  });

  it('serves every gateway’s events on the socket and refuses the rest', async () => {
    assert.deepEqual(await client.emitWithAck('join_room', 4), { ok: true, data: { room: 4 } });
    const said = new Promise((resolve) => client.once('said', resolve));
    client.emit('message', 'hello');
    assert.equal(await said, 'hello');
    const raised = new Promise((resolve) => client.once('exception', resolve));
    assert.deepEqual(await client.emitWithAck('nope', 1), refusal('nope'));
    assert.deepEqual(await raised, exception('nope')[1]);
  });
});

describe('SocketDispatcher: ordered events', () => {
  const ordered = new Set(['send']);
  const setup = (...handlers: MessageMappingProperties[]) => {
    const dispatcher = new SocketDispatcher(mapPayload, { error: () => undefined }, ordered);
    const socket = new FakeSocket();
    dispatcher.bind(socket, handlers);
    return socket;
  };

  it("starts a socket's ordered events one after another, whatever each one waits for", async () => {
    const started: number[] = [];
    // The first waits longest: without turns, the later ones would overtake it.
    const socket = setup(handler('send', async (n) => (started.push(n as number), await sleep(30 - 10 * (n as number)), n)));
    const { calls, ack } = acks();
    for (const n of [0, 1, 2]) socket.receive('send', n, ack);
    await tick();
    assert.deepEqual(started, [0], 'the second waits for the first');
    await sleep(80);
    assert.deepEqual(started, [0, 1, 2]);
    assert.deepEqual(calls, [0, 1, 2]);
  });

  it('lets the next one start as soon as the handler ends its turn (takeTurn), before it finishes', async () => {
    const started: number[] = [];
    const socket = setup(
      handler('send', async (n) => {
        const endTurn = takeTurn(socket);
        started.push(n as number);
        await tick();
        endTurn();
        await sleep(20);
        return n;
      }),
    );
    const { calls, ack } = acks();
    for (const n of [0, 1, 2]) socket.receive('send', n, ack);
    await sleep(10);
    assert.deepEqual(started, [0, 1, 2], 'all started while the first was still running');
    assert.deepEqual(calls, []);
    await sleep(50);
    assert.deepEqual(calls, [0, 1, 2]);
  });

  it('ends the turn of a handler that throws, and keeps other sockets and events independent', async () => {
    const started: string[] = [];
    const handlers = [
      handler('send', async (n) => {
        started.push(`send ${String(n)}`);
        await sleep(20);
        if (n === 0) throw new Error('refused');
        return n;
      }),
      handler('other', (n) => (started.push(`other ${String(n)}`), n)),
    ];
    const dispatcher = new SocketDispatcher(mapPayload, { error: () => undefined }, ordered);
    const [a, b] = [new FakeSocket(), new FakeSocket()];
    dispatcher.bind(a, handlers);
    dispatcher.bind(b, handlers);
    a.receive('send', 0, () => undefined);
    a.receive('send', 1, () => undefined);
    a.receive('other', 2, () => undefined);
    b.receive('send', 3, () => undefined);
    await tick();
    assert.deepEqual(started, ['send 0', 'other 2', 'send 3'], "b's send and a's other event do not wait for a's turn");
    await sleep(60);
    assert.deepEqual(started, ['send 0', 'other 2', 'send 3', 'send 1'], 'a failed send still ends its turn');
  });
});
