// Spike: a connect storm. New sockets arrive at BASE_RATE/s, jump to PEAK_RATE/s within seconds,
// hold, and fall back; each connects, joins its room, sends one message and hangs up after
// HOLD_SECONDS. Meanwhile a steady group of chatting sockets measures what the storm does to
// everyone else. `k6 run loadtest/spike.js -e BASE_URL=… -e PEAK_RATE=200`.
import exec from 'k6/execution';
import { ACK_TIMEOUT_MS, chatSession, chatSetup, sessionGrace } from './chat.js';
import { SUMMARY_TREND_STATS, summaryOutputs } from './lib/summary.js';
import { TESTID, durationSeconds, envNumber, runProperties, teardownRun } from './lib/http.js';

const BASE_RATE = envNumber('BASE_RATE', 2);
const PEAK_RATE = envNumber('PEAK_RATE', 50);
const HOLD_SECONDS = envNumber('HOLD_SECONDS', 5);
const STEADY_VUS = envNumber('STEADY_VUS', 10);
const ROOMS = envNumber('ROOMS', 5);
// At PEAK_RATE/s, each storm account connects and sends about once a second: within 10/s per user.
const STORM_ACCOUNTS = envNumber('STORM_ACCOUNTS', PEAK_RATE);

const stormStages = [
  { duration: '30s', target: BASE_RATE },
  { duration: '10s', target: PEAK_RATE },
  { duration: __ENV.PEAK_DURATION || '30s', target: PEAK_RATE },
  { duration: '10s', target: BASE_RATE },
  { duration: '30s', target: BASE_RATE },
];
const stormSeconds = stormStages.reduce((sum, stage) => sum + durationSeconds(stage.duration), 0);

/** @type {import('k6/options').Options} */
export const options = {
  setupTimeout: '300s',
  teardownTimeout: '60s',
  tags: { testid: TESTID },
  summaryTrendStats: SUMMARY_TREND_STATS,
  scenarios: {
    storm: {
      executor: 'ramping-arrival-rate',
      exec: 'storm',
      startRate: BASE_RATE,
      timeUnit: '1s',
      stages: stormStages,
      // Sockets in flight ≈ rate × (hold + connect time).
      preAllocatedVUs: PEAK_RATE * 2,
      maxVUs: PEAK_RATE * (HOLD_SECONDS + ACK_TIMEOUT_MS / 1000 + 2),
      gracefulStop: sessionGrace(HOLD_SECONDS),
    },
    steady: {
      executor: 'constant-vus',
      exec: 'steady',
      vus: STEADY_VUS,
      duration: `${stormSeconds}s`,
      // Its sessions end with the scenario: only the last ack is waited for.
      gracefulStop: sessionGrace(0),
    },
  },
  thresholds: {
    // Judged after the first 30 s at BASE_RATE: a target that refuses even those is down, and the storm would say nothing.
    checks: [{ threshold: 'rate>0.98', abortOnFail: true, delayAbortEval: '30s' }],
    chat_connected: [{ threshold: 'rate>0.98', abortOnFail: true, delayAbortEval: '30s' }],
    chat_acks_ok: [{ threshold: 'rate>0.98', abortOnFail: true, delayAbortEval: '30s' }],
    chat_delivered: ['rate>0.98'],
    'chat_connect_latency{scenario:storm}': ['p(95)<2000', 'p(99)<5000'],
    'chat_ack_latency{scenario:storm}': ['p(95)<1000'],
    // The people already chatting should barely notice the storm.
    'chat_delivery_latency{scenario:steady}': ['p(95)<1000', 'p(99)<3000'],
    'chat_ack_latency{scenario:steady}': ['p(95)<500'],
    chat_errors: ['count<25'],
    // k6 could not start a VU in time: the storm was not delivered as configured.
    dropped_iterations: ['count<10'],
  },
};

export function setup() {
  const data = chatSetup(STEADY_VUS + STORM_ACCOUNTS, ROOMS, 'spike');
  return { testid: data.testid, rooms: data.rooms, steady: data.members.slice(0, STEADY_VUS), storm: data.members.slice(STEADY_VUS) };
}

/**
 * @typedef {{ testid: string, rooms: import('./lib/http.js').OwnedRoom[],
 *   steady: import('./chat.js').Member[], storm: import('./chat.js').Member[] }} SpikeData
 */

/** @param {SpikeData} data */
export function teardown(data) {
  teardownRun('spike', data.testid, data.rooms);
}

/** @param {import('./lib/summary.js').SummaryData} data */
export function handleSummary(data) {
  return summaryOutputs(data, { script: 'spike', dir: __ENV.SUMMARY_DIR, properties: runProperties() });
}

/** @param {SpikeData} data */
export function storm(data) {
  const member = data.storm[exec.scenario.iterationInTest % data.storm.length];
  chatSession(member, { holdMs: HOLD_SECONDS * 1000, sendIntervalMs: 0, maxMessages: 1 });
}

/** @param {SpikeData} data */
export function steady(data) {
  // One session per VU spans the whole storm, so iteration numbers tell the VUs apart.
  const member = data.steady[exec.scenario.iterationInTest % data.steady.length];
  chatSession(member, { holdMs: stormSeconds * 1000, sendIntervalMs: 2000 });
}
