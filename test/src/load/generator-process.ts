// A generator process of the connection-scale run: holds a share of the crowd's sockets (one
// process can hold at most ~19,000 within its open-files limit, and one event loop is a
// bottleneck long before that), and answers its parent's calls over the IPC channel. The same
// module is the parent's handle on such a process (GeneratorProcess).
import { type ChildProcess, fork } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createPool } from 'mysql2/promise';
import { checkClients, highestSeqs } from './checks';
import { connectErrorsOf, diffCounts, type OpenOptions } from './connections';
import { Crowd, type CrowdMember } from './crowd';
import type { LoadClient } from './fleet';
import { backAfter, type BackFigures, type MessageMix, type MixFigures, type MixSend, survivorsClass, type TallyDump } from './storm';

/** The calls a generator process answers: parameters and results. */
export interface GeneratorCalls {
  init: { params: { url: string; members: CrowdMember[]; rooms: number[]; readyTimeoutMs: number }; result: number };
  open: { params: OpenOptions; result: void };
  status: { params: void; result: GeneratorStatus };
  startMix: { params: { tag: string; share: number; perSenderPerSecond: number }; result: number };
  stopMix: { params: { settleMs: number }; result: { figures: MixFigures; sends: Pick<MixSend, 'clientMsgId' | 'room' | 'ack'>[] } };
  tally: { params: { tag: string }; result: TallyDump };
  markFault: { params: { replicas: string[]; at: number }; result: number };
  faultResult: { params: void; result: { back: BackFigures; connectErrors: Record<string, number> } };
  check: { params: { databaseUrl: string; convergeMs: number }; result: ViewCheck };
  close: { params: void; result: void };
}

export type GeneratorCall = keyof GeneratorCalls;

export interface GeneratorStatus {
  clients: number;
  connected: number;
  spread: Record<string, number>;
  connectErrors: Record<string, number>;
  /** Of the clients the last fault cut off: how many have had a `ready` since. */
  affected: number;
  back: number;
  /** This process's event-loop delay since the last fault was marked, ms: a receiver's own lag is part of every latency it measures. */
  loopDelay: { p99: number; max: number };
}

export interface ViewCheck {
  behind: number;
  lacking: number;
  foreign: number;
  conflicts: number;
  problems: string[];
  counters: ReturnType<Crowd['fleet']['counters']>;
}

interface Request {
  id: number;
  call: GeneratorCall;
  params: unknown;
}

type Reply = { id: number; result: unknown } | { id: number; error: string };

/** The parent's side: forks the compiled module and calls it. */
export class GeneratorProcess {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private exited = false;
  readonly exit: Promise<void>;

  constructor(readonly name: string) {
    // `advanced`: back times of clients not back are Infinity, which JSON would turn into null.
    this.child = fork(__filename, [name], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    this.child.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if ('error' in reply) waiting.reject(new Error(`${name}: ${reply.error}`));
      else waiting.resolve(reply.result);
    });
    this.exit = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        for (const waiting of this.pending.values()) waiting.reject(new Error(`${name} exited (${signal ?? code})`));
        this.pending.clear();
        resolve();
      }),
    );
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  call<C extends GeneratorCall>(call: C, params: GeneratorCalls[C]['params']): Promise<GeneratorCalls[C]['result']> {
    if (this.exited) return Promise.reject(new Error(`${this.name} has exited`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, call, params } satisfies Request);
    });
  }

  /** Asks the process to close its sockets and exit; kills it if it has not within `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.exited) return;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.call('close', undefined).catch(() => undefined);
    await this.exit;
    clearTimeout(timer);
  }

  /** Without asking: for a parent on its way out. */
  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

/** The process's side: one crowd share, the current mix, the last fault's bookkeeping. */
class Generator {
  private crowd?: Crowd;
  private mix?: MessageMix;
  private fault?: { affected: LoadClient[]; at: number; errorsBefore: Record<string, number> };
  private readonly loop = monitorEventLoopDelay({ resolution: 10 });

  constructor() {
    this.loop.enable();
  }

  private get open(): Crowd {
    if (!this.crowd) throw new Error('init first');
    return this.crowd;
  }

  handle(call: GeneratorCall, params: unknown): unknown {
    switch (call) {
      case 'init': {
        const { url, members, rooms, readyTimeoutMs } = params as GeneratorCalls['init']['params'];
        this.crowd = new Crowd(url, members, rooms, readyTimeoutMs);
        return this.crowd.clients.length;
      }
      case 'open':
        return this.open.open(params as OpenOptions);
      case 'status':
        return this.status();
      case 'startMix': {
        const { tag, share, perSenderPerSecond } = params as GeneratorCalls['startMix']['params'];
        this.mix?.dispose();
        this.mix = this.open.startMix(share, perSenderPerSecond, tag);
        return this.mix.figures().senders;
      }
      case 'stopMix':
        return this.stopMix((params as GeneratorCalls['stopMix']['params']).settleMs);
      case 'tally':
        return this.open.tally.dump((params as GeneratorCalls['tally']['params']).tag);
      case 'markFault': {
        const { replicas, at } = params as GeneratorCalls['markFault']['params'];
        const affected = this.open.clients.filter((client) => client.replica && replicas.includes(client.replica));
        this.fault = { affected, at, errorsBefore: this.open.connectErrors() };
        this.loop.reset();
        this.open.tally.classify = survivorsClass(replicas, at);
        return affected.length;
      }
      case 'faultResult': {
        if (!this.fault) throw new Error('no fault marked');
        return {
          back: backAfter(this.fault.affected, this.fault.at),
          connectErrors: diffCounts(this.open.connectErrors(), this.fault.errorsBefore),
        };
      }
      case 'check':
        return this.check(params as GeneratorCalls['check']['params']);
      case 'close':
        this.mix?.dispose();
        this.crowd?.close();
        setTimeout(() => process.exit(0), 100);
        return undefined;
    }
  }

  private status(): GeneratorStatus {
    const crowd = this.open;
    const fault = this.fault;
    return {
      clients: crowd.clients.length,
      connected: crowd.clients.filter((client) => client.connected).length,
      spread: crowd.spread(),
      connectErrors: connectErrorsOf(crowd.clients),
      affected: fault?.affected.length ?? 0,
      back: fault ? fault.affected.filter((client) => client.readies.some((ready) => ready.at >= fault.at)).length : 0,
      loopDelay: { p99: this.loop.percentile(99) / 1e6, max: this.loop.max / 1e6 },
    };
  }

  private async stopMix(settleMs: number): Promise<GeneratorCalls['stopMix']['result']> {
    const mix = this.mix;
    if (!mix) throw new Error('no mix running');
    mix.stop();
    await mix.settle(settleMs);
    mix.dispose();
    return { figures: mix.figures(), sends: mix.sends.map(({ clientMsgId, room, ack }) => ({ clientMsgId, room, ack })) };
  }

  /** Waits for every client to reach its rooms' highest stored seq, then compares each view with MySQL (checkClients). */
  private async check({ databaseUrl, convergeMs }: GeneratorCalls['check']['params']): Promise<ViewCheck> {
    const crowd = this.open;
    const db = createPool({ uri: databaseUrl, connectionLimit: 2, timezone: 'Z', supportBigNumbers: true });
    try {
      await crowd.fleet.converge(await highestSeqs(db, crowd.fleet.rooms), convergeMs);
      const clients = await checkClients(db, crowd.fleet);
      return { ...clients, problems: clients.problems.slice(0, 10), counters: crowd.fleet.counters() };
    } finally {
      await db.end();
    }
  }
}

function serve(): void {
  const generator = new Generator();
  process.on('message', (request: Request) => {
    const reply = (message: Reply) => process.connected && process.send?.(message);
    Promise.resolve()
      .then(() => generator.handle(request.call, request.params))
      .then(
        (result) => reply({ id: request.id, result }),
        (error: Error) => reply({ id: request.id, error: error.message }),
      );
  });
  // The parent is gone (Ctrl-C, a crash): nothing here is worth keeping.
  process.on('disconnect', () => process.exit(0));
}

if (require.main === module) serve();
