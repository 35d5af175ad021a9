import type { Cluster } from 'ioredis';
import type Redis from 'ioredis';
import type { RedisClient } from './create-redis';
import type { LoggerLike } from './watch-redis';

/** What assertNoEviction needs of one server: a generic command and INFO. */
type PolicySource = Pick<Redis, 'call' | 'info'> & { options?: { host?: string; port?: number } };

/**
 * Throws unless the Redis behind `client` (every master of a Cluster) has `maxmemory-policy
 * noeviction`: BullMQ keeps its queues in ordinary keys, and an evicting Redis under memory pressure
 * silently drops jobs. Reads CONFIG GET, or INFO memory where CONFIG is renamed or forbidden (managed
 * services). `variable` names the setting in the error (REDIS_QUEUE_URL, say). On a Cluster it
 * waits for the cluster to be ready first (the masters are known then).
 */
export async function assertNoEviction(client: RedisClient, variable: string): Promise<void> {
  const servers: PolicySource[] = client.isCluster ? await masters(client as Cluster) : [client as Redis];
  if (servers.length === 0) throw new Error(`${variable}: the cluster has no master to check maxmemory-policy on`);
  const policies = await Promise.all(servers.map(async (server) => ({ server, policy: await readPolicy(server, variable) })));
  const evicting = policies.filter(({ policy }) => policy !== 'noeviction');
  if (evicting.length > 0) {
    const found = evicting.map(({ server, policy }) => (client.isCluster ? `${policy} on ${address(server)}` : policy)).join(', ');
    throw new Error(
      `${variable}: maxmemory-policy is ${found}; the queue's Redis needs noeviction, or it may drop jobs under memory pressure (CONFIG SET maxmemory-policy noeviction, or the service's parameter group)`,
    );
  }
}

const address = (server: PolicySource) => `${server.options?.host ?? '?'}:${server.options?.port ?? '?'}`;

async function masters(cluster: Cluster): Promise<PolicySource[]> {
  if (cluster.status === 'wait') await cluster.connect();
  else if (cluster.status !== 'ready') {
    await new Promise<void>((resolve, reject) => {
      const onEnd = () => reject(new Error('the cluster connection ended'));
      cluster.once('ready', () => {
        cluster.off('end', onEnd);
        resolve();
      });
      cluster.once('end', onEnd);
    });
  }
  return cluster.nodes('master');
}

async function readPolicy(server: PolicySource, variable: string): Promise<string> {
  let configError: unknown;
  try {
    const reply = await server.call('CONFIG', 'GET', 'maxmemory-policy');
    if (Array.isArray(reply) && typeof reply[1] === 'string') return reply[1];
    configError = new Error('no maxmemory-policy in the reply');
  } catch (error) {
    configError = error;
  }
  try {
    const info = await server.info('memory');
    const match = /^maxmemory_policy:(\S+)/m.exec(info);
    if (match) return match[1];
    throw new Error('no maxmemory_policy line');
  } catch (infoError) {
    throw new Error(
      `${variable}: cannot read maxmemory-policy (CONFIG GET: ${messageOf(configError)}; INFO memory: ${messageOf(infoError)})`,
    );
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * At start-up, for the queue role: refuses (throws) a server that would evict; one that does not
 * answer within `timeoutMs` is only logged, as the readiness probe reports it until it is back.
 */
export async function refuseEvictingQueue(client: RedisClient, logger: LoggerLike, timeoutMs = 3_000): Promise<void> {
  const reachable = await Promise.race([
    client.ping().then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref()),
  ]).catch(() => false);
  if (!reachable) {
    logger.warn(`the queue's Redis did not answer at start-up; its maxmemory-policy is checked on the next start`);
    return;
  }
  await assertNoEviction(client, 'REDIS_QUEUE_URL (or REDIS_URL)');
}
