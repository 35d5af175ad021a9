// Soak: a steady crowd of long Socket.IO sessions for a long time, to surface leaks, heartbeat
// trouble and slow drift. `k6 run loadtest/soak.js -e BASE_URL=… -e DURATION=2h`.
// Sessions last SESSION_SECONDS (5 min: a dozen server pings at the default 25 s interval), then
// reconnect; any close the VU did not ask for fails the run.
import { ACK_TIMEOUT_MS, chatSession, chatSetup, memberFor, sessionGrace } from './chat.js';
import { SUMMARY_TREND_STATS, summaryOutputs } from './lib/summary.js';
import { TESTID, envNumber, joinRooms, registerAccounts, runProperties, teardownRun, tokenExpiresAt } from './lib/http.js';

const VUS = envNumber('VUS', 30);
const ROOMS = envNumber('ROOMS', 5);
const SESSION_SECONDS = envNumber('SESSION_SECONDS', 300);
const SEND_INTERVAL_MS = envNumber('SEND_INTERVAL_MS', 5000);
const grace = sessionGrace(SESSION_SECONDS);

/** @type {import('k6/options').Options} */
export const options = {
  setupTimeout: '180s',
  teardownTimeout: '60s',
  tags: { testid: TESTID },
  summaryTrendStats: SUMMARY_TREND_STATS,
  scenarios: {
    soak: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: __ENV.RAMP || '2m', target: VUS },
        { duration: __ENV.DURATION || '30m', target: VUS },
        { duration: '1m', target: 0 },
      ],
      gracefulRampDown: grace,
      gracefulStop: grace,
    },
  },
  thresholds: {
    // Past the ramp, a service that refuses this much is down: no point soaking it for hours.
    checks: [{ threshold: 'rate>0.99', abortOnFail: true, delayAbortEval: '5m' }],
    chat_connected: [{ threshold: 'rate>0.99', abortOnFail: true, delayAbortEval: '5m' }],
    chat_acks_ok: [{ threshold: 'rate>0.999', abortOnFail: true, delayAbortEval: '5m' }],
    chat_delivered: ['rate>0.999'],
    chat_ack_latency: ['p(95)<300', 'p(99)<1000'],
    chat_delivery_latency: ['p(95)<500', 'p(99)<1500'],
    chat_connect_latency: ['p(95)<1000'],
    chat_errors: ['count<20'],
    // A socket dropped by the server or a missed heartbeat is exactly what a soak is for.
    'chat_errors{kind:unexpected_close}': ['count<1'],
    'chat_errors{kind:heartbeat}': ['count<1'],
  },
};

export function setup() {
  return chatSetup(VUS, ROOMS, 'soak');
}

/**
 * Deletes the rooms; the accounts, renewed ones included, are left to cleanup.mjs.
 * @param {import('./chat.js').ChatData} data
 */
export function teardown(data) {
  teardownRun('soak', data.testid, data.rooms);
}

/** @param {import('./lib/summary.js').SummaryData} data */
export function handleSummary(data) {
  return summaryOutputs(data, { script: 'soak', dir: __ENV.SUMMARY_DIR, properties: runProperties() });
}

/**
 * This VU's member; replaced before its token would expire mid-session (the server closes the
 * socket at `exp`, JWT_TTL_SECONDS after registration: 1 h by default).
 * @type {import('./chat.js').Member | null}
 */
let mine = null;

/** @param {import('./chat.js').ChatData} data */
export default function (data) {
  if (!mine) mine = memberFor(data);
  const sessionEnd = Date.now() + (SESSION_SECONDS + 60) * 1000 + ACK_TIMEOUT_MS;
  if (tokenExpiresAt(mine.token) < sessionEnd) mine = renew(mine.room, data.testid);
  chatSession(mine, { holdMs: SESSION_SECONDS * 1000, sendIntervalMs: SEND_INTERVAL_MS });
}

/**
 * A fresh account in the same room: registering needs no login, so the 10/min login limit does
 * not cap how long a soak can run.
 * @param {number} room
 * @param {string} testid
 */
function renew(room, testid) {
  const [account] = registerAccounts(1, `soak${__VU}r${Date.now().toString(36)}`, testid);
  joinRooms([{ account, room }]);
  return { ...account, room };
}
