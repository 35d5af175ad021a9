import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import newman, { type NewmanRunSummary } from 'newman';
import { useCluster } from './support/fixture';
import { repoRoot } from './support/test-cluster';

const postmanDir = join(repoRoot, 'docs/postman');

function runCollection(baseUrl: string): Promise<NewmanRunSummary> {
  return new Promise((resolve, reject) => {
    newman.run(
      {
        collection: join(postmanDir, 'chat-cluster.postman_collection.json'),
        environment: join(postmanDir, 'local.postman_environment.json'),
        // The documented environment, pointed at this run's private cluster instead of localhost:8080.
        envVar: [{ key: 'baseUrl', value: baseUrl }],
        reporters: process.env.TEST_LOGS ? 'cli' : [],
        timeoutRequest: 10_000,
        // A stuck script or retry loop fails the run before the suite's own timeout hides which request it was.
        timeout: 100_000,
      },
      (error, summary) => (error ? reject(error) : resolve(summary)),
    );
  });
}

/**
 * The Postman collection that ships in docs/postman, run by newman against the real cluster
 * (two gateways behind nginx): the documented HTTP flow works as documented, in order.
 */
describe('Postman collection', { timeout: 180_000 }, () => {
  const t = useCluster({ gateways: 2 });

  it('passes every assertion of every request', async () => {
    const summary = await runCollection(t.url);
    assert.equal(summary.error, undefined, `newman: ${String(summary.error)}`);

    const failures = summary.run.failures.map(
      (f) => `${f.source?.name ?? f.at}: ${f.error.test ? `[${f.error.test}] ` : ''}${f.error.message}`,
    );
    assert.equal(failures.length, 0, `${failures.length} failure(s):\n${failures.join('\n')}`);

    const { requests, assertions } = summary.run.stats;
    assert.ok((requests.total ?? 0) > 0, 'no request was sent');
    assert.ok(
      (assertions.total ?? 0) >= (requests.total ?? 0),
      `${assertions.total} assertions for ${requests.total} requests: some request is not checked`,
    );
    const unchecked = summary.run.executions.filter((e) => e.assertions === undefined || e.assertions.length === 0).map((e) => e.item.name);
    assert.deepEqual(unchecked, [], 'requests that ran no assertion');
  });
});
