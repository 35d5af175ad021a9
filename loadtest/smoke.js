// k6 smoke test of the HTTP surface: `k6 run loadtest/smoke.js -e BASE_URL=http://localhost:8080`.
import http from 'k6/http';
import { check, sleep } from 'k6';

const BASE_URL = __ENV.BASE_URL || 'http://localhost:8080';

export const options = {
  vus: 5,
  duration: '30s',
  thresholds: {
    http_req_failed: ['rate<0.01'],
    http_req_duration: ['p(95)<300'],
  },
};

export function setup() {
  const res = http.post(`${BASE_URL}/auth/login`, JSON.stringify({ email: 'postman1@test.com', password: '1234' }), {
    headers: { 'Content-Type': 'application/json' },
  });
  check(res, { 'login 200': (r) => r.status === 200 });
  return { token: res.json('access_token') };
}

export default function ({ token }) {
  const auth = { headers: { Authorization: `Bearer ${token}` } };
  check(http.get(`${BASE_URL}/rooms/mine`, auth), { 'rooms 200': (r) => r.status === 200 });
  check(http.get(`${BASE_URL}/health/ready`), { 'ready 200': (r) => r.status === 200 });
  sleep(1);
}
