import { after, before } from 'node:test';
import type { ManagerOptions, SocketOptions } from 'socket.io-client';
import type { ReadyEvent } from '@chat/contracts';
import { type ChatClient, connect } from './clients';
import { startTestCluster, type TestCluster, type TestClusterOptions } from './test-cluster';

/** What a test opens against the cluster and must close before it stops: sockets, Redis clients, fleets. */
export type Closable = { close(): unknown } | { disconnect(): unknown };

/**
 * A suite's private cluster, valid inside its tests and hooks. It reads like the `TestCluster`
 * it stands for (`t.url`, `t.db`, `t.cluster`, …); the suite does not stop it itself.
 */
export interface ClusterFixture extends Omit<TestCluster, 'stop'> {
  /** Closes `resource` in `after`, before the cluster stops. */
  track<T extends Closable>(resource: T): T;
  /** `connect()` to this cluster; the socket is closed in `after`. */
  connect(token: string | undefined, options?: Partial<ManagerOptions & SocketOptions>): Promise<{ socket: ChatClient; ready: ReadyEvent }>;
}

/**
 * Registers the `before` that starts the cluster and the `after` that closes what the tests
 * tracked and stops it. Call it at the top of a `describe`; hooks registered after it run after
 * the cluster is up, and their `after`s once it is stopped. `options` may be a function when it
 * depends on an earlier hook (a private MariaDB's URL, say).
 */
export function useCluster(options: TestClusterOptions | (() => TestClusterOptions) = {}): ClusterFixture {
  let started: TestCluster | undefined;
  const tracked: Closable[] = [];
  const cluster = (): TestCluster => {
    if (!started) throw new Error('the cluster is not up: use the fixture inside a test or a hook after useCluster()');
    return started;
  };

  before(async () => {
    started = await startTestCluster(typeof options === 'function' ? options() : options);
  });
  after(async () => {
    for (const resource of tracked.splice(0)) await ('close' in resource ? resource.close() : resource.disconnect());
    await started?.stop();
  });

  const fixture: ClusterFixture = {
    get url() {
      return cluster().url;
    },
    get cluster() {
      return cluster().cluster;
    },
    get metricsUrls() {
      return cluster().metricsUrls;
    },
    get db() {
      return cluster().db;
    },
    get redisUrl() {
      return cluster().redisUrl;
    },
    get prefix() {
      return cluster().prefix;
    },
    get keys() {
      return cluster().keys;
    },
    get storageDir() {
      return cluster().storageDir;
    },
    get logs() {
      return cluster().logs;
    },
    redis: () => cluster().redis(),
    stopRedis: () => cluster().stopRedis(),
    startRedis: () => cluster().startRedis(),
    track(resource) {
      tracked.push(resource);
      return resource;
    },
    async connect(token, connectOptions) {
      const client = await connect(cluster().url, token, connectOptions);
      tracked.push(client.socket);
      return client;
    },
  };
  return fixture;
}
