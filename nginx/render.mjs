// @ts-check
// Renders the nginx configuration for a set of gateway replicas. One renderer serves both the
// local launcher (deploy/local) and docker-compose (nginx/compose.conf is its output), so the
// routing rules cannot drift apart.
//
// Stickiness: every gateway prefixes its Engine.IO session ids with its REPLICA_ID
// ("gateway-2.Xy…"). A request without `?sid=` (a new session, or plain REST) goes to the
// balanced `gateway` upstream (least_conn; a refused replica is skipped per request, max_fails=0); a request with
// `?sid=` (polling, and the WebSocket upgrade) goes to the upstream named after the replica in
// the sid. Unlike ip_hash this spreads clients that share one IP (loopback tests, an office
// behind NAT) and still keeps a polling client on one replica through handshake and upgrade.
//
// nginx inherits array directives (proxy_set_header, proxy_hide_header, add_header) from the
// server level only into locations that set none of their own, so a location that adds one
// header silently loses all the others. Every location therefore gets its complete list from
// the functions below, and nothing of the kind is set at the server level.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { pathToFileURL } from 'node:url';

/** The largest request body, as nginx spells it and as the 413 message says it. */
const MAX_BODY = { nginx: '1m', text: '1 MiB' };

/** The gateways' default ATTACHMENT_MAX_BYTES. */
const DEFAULT_UPLOAD_MAX_BYTES = 10 * 1024 * 1024;

/** Room for a multipart body's boundaries and part headers around a file of the largest size. */
const MULTIPART_FRAMING_BYTES = 64 * 1024;

/**
 * What nginx answers itself, in the API's error shape (`{ statusCode, error, message, code }`),
 * so a client parses every error alike. 494 is nginx's own code for a request header too large;
 * the client gets 431, as a replica answers it.
 */
const EDGE_ERRORS = [
  { status: 400, as: 400, error: 'Bad Request', message: 'The request could not be parsed', code: 'VALIDATION_FAILED' },
  { status: 403, as: 403, error: 'Forbidden', message: 'Forbidden', code: 'FORBIDDEN' },
  { status: 404, as: 404, error: 'Not Found', message: 'Not found', code: 'NOT_FOUND' },
  { status: 405, as: 405, error: 'Method Not Allowed', message: 'Method not allowed on this path', code: 'VALIDATION_FAILED' },
  { status: 408, as: 408, error: 'Request Timeout', message: 'The request was not received in time', code: 'VALIDATION_FAILED' },
  { status: 413, as: 413, error: 'Payload Too Large', message: `The request body exceeds ${MAX_BODY.text}`, code: 'PAYLOAD_TOO_LARGE' },
  { status: 414, as: 414, error: 'URI Too Long', message: 'The request URI is too long', code: 'VALIDATION_FAILED' },
  { status: 429, as: 429, error: 'Too Many Requests', message: 'Too many connections from this address', code: 'RATE_LIMITED' },
  {
    status: 494,
    as: 431,
    error: 'Request Header Fields Too Large',
    message: 'The request headers are too large',
    code: 'VALIDATION_FAILED',
  },
  { status: 500, as: 500, error: 'Internal Server Error', message: 'Internal error', code: 'INTERNAL' },
  { status: 502, as: 502, error: 'Bad Gateway', message: 'No gateway replica answered', code: 'UNAVAILABLE' },
  { status: 503, as: 503, error: 'Service Unavailable', message: 'Service unavailable', code: 'UNAVAILABLE' },
  { status: 504, as: 504, error: 'Gateway Timeout', message: 'A gateway replica did not answer in time', code: 'UNAVAILABLE' },
];

/** The web client's Content-Security-Policy: its own scripts and styles only, never framed. */
const webContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * @param {object} o
 * @param {number} o.listen                     port nginx listens on
 * @param {string} [o.listenAddress]            address it listens on (default loopback; compose: every interface)
 * @param {{ id: string, address: string }[]} o.replicas   REPLICA_ID and host:port of each gateway
 * @param {string} [o.runDir]                   writable dir for pid and temp files (local mode)
 * @param {string} [o.resolver]                 DNS resolver for re-resolving replica hostnames (compose)
 * @param {boolean} [o.accessLog]               log requests to stdout
 * @param {string} [o.webRoot]                  the web client's build (apps/web/dist), served at `/`
 * @param {string} [o.proxyBind]                source address of nginx's connections to the replicas (their TRUST_PROXY)
 * @param {number} [o.connLimitPerAddress]      connections one client address may hold open at once
 * @param {string[]} [o.connLimitExempt]        addresses or CIDRs the cap does not apply to
 * @param {number | 'auto'} [o.workerProcesses] nginx worker processes (`worker_processes`; default one per core)
 * @param {number} [o.uploadMaxBytes]           the gateways' ATTACHMENT_MAX_BYTES: the largest body of the upload route
 * @param {string} [o.workerUser]               `user` of the worker processes (default: local mode, see localWorkerUser)
 */
export function renderNginxConf({
  listen,
  listenAddress = '127.0.0.1',
  replicas,
  runDir,
  resolver,
  accessLog = false,
  webRoot,
  proxyBind,
  connLimitPerAddress = 200,
  connLimitExempt = [],
  workerProcesses = 'auto',
  uploadMaxBytes = DEFAULT_UPLOAD_MAX_BYTES,
  workerUser = runDir ? localWorkerUser() : undefined,
}) {
  const upload = uploadError(uploadMaxBytes);
  const resolve = resolver ? ' resolve' : '';
  // max_fails=0: a replica that is down refuses at once and the request moves on
  // (proxy_next_upstream); marking peers failed instead left restarted replicas shunned, and once
  // every peer was marked, nginx answered 502 while replicas were up.
  const upstreamServers = replicas.map((r) => `    server ${r.address} max_fails=0${resolve};`).join('\n');
  // Re-resolving hostnames (`resolve`) needs the upstream in shared memory.
  const zone = (/** @type {string} */ name) => (resolver ? `    zone ${name} 64k;\n` : '');
  const perReplica = replicas.map((r) => `  upstream ${r.id} {\n${zone(r.id)}    server ${r.address}${resolve};\n  }`).join('\n');
  const sidMap = replicas.map((r) => `    "~^${r.id.replace(/[.-]/g, '\\$&')}\\." ${r.id};`).join('\n');
  const local = runDir ? `pid ${runDir}/nginx.pid;\n` : '';
  const temp = runDir
    ? ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${runDir}/${t};`).join('\n') + '\n'
    : '';
  return `# Generated by nginx/render.mjs — edit the renderer, not this file.
${workerUser ? `user ${workerUser};\n` : ''}worker_processes ${workerProcesses};
worker_rlimit_nofile 65535;
error_log stderr warn;
${local}
events {
  worker_connections 16384;
}

http {
${temp}${accessLogLines(accessLog)}
  server_tokens off;
${resolver ? `  resolver ${resolver} valid=10s;\n` : ''}
  # A client that stalls this long while sending its request, or while an answer waits for it to
  # read, is cut off, so slow connections cannot pile up. An idle WebSocket, with nothing in
  # flight, is governed by the proxy timeouts below.
  client_header_timeout 10s;
  client_body_timeout 10s;
  send_timeout 10s;

${connLimitZone(connLimitExempt)}
  map $http_upgrade $connection_upgrade {
    default upgrade;
    ''      '';
  }

  # Which upstream serves a request: the replica named in the Engine.IO session id, else any.
  map $arg_sid $gateway_upstream {
    default gateway;
${sidMap}
  }

  # New sessions and REST: balanced by open connections; a refused or timed-out connect moves on to
  # the next replica.
  upstream gateway {
    least_conn;
${zone('gateway')}${upstreamServers}
    keepalive 64;
  }

  # One upstream per replica, for requests that belong to a session.
${perReplica}

  server {
    listen ${listenAddress}:${listen};
    client_max_body_size ${MAX_BODY.nginx};

    # Open connections (a WebSocket counts for its whole life) per client address.
    limit_conn perip ${connLimitPerAddress};
    limit_conn_status 429;
    limit_conn_log_level warn;

    proxy_http_version 1.1;
    # A replica that does not accept within 2 s is skipped (containers that vanished, not refused).
    proxy_connect_timeout 2s;
${proxyBind ? bindLines(proxyBind) : ''}
${errorPages(upload)}
    # Attachment uploads, the one route with large bodies: the attachment limit plus multipart
    # framing here only. The body streams to the replica as it arrives (no buffering to disk
    # first), and the replica refuses it at the exact limit while reading.
    location ~ ^/rooms/[0-9]+/attachments$ {
      client_max_body_size ${Math.ceil((uploadMaxBytes + MULTIPART_FRAMING_BYTES) / 1024)}k;
      proxy_request_buffering off;
${errorPageDirectives({ 413: upload }).replace(/^ {4}/gm, '      ')}
      proxy_pass http://gateway;
${proxied(["proxy_set_header Connection '';"])}
      proxy_next_upstream error timeout;
      # The replica answers once the last byte is stored: as long as the upload takes.
      proxy_read_timeout 120s;
    }

    location /socket.io/ {
      proxy_pass http://$gateway_upstream;
${proxied(['proxy_set_header Upgrade $http_upgrade;', 'proxy_set_header Connection $connection_upgrade;'])}
      proxy_buffering off;
      # Above Socket.IO's pingInterval + pingTimeout (25 s + 20 s): an idle but healthy
      # WebSocket is never cut by the proxy.
      proxy_read_timeout 75s;
      proxy_send_timeout 75s;
      proxy_next_upstream error timeout;
    }

${webRoot ? webLocations(webRoot) : ''}    # Prometheus scrapes each replica's own metrics port; the public origin has no metrics under
    # any spelling (/metrics/, /METRICS, …), whatever the app behind it would route.
    location ~* ^/metrics(/|$) {
      return 404;
    }

    location / {
      proxy_pass http://gateway;
${proxied(["proxy_set_header Connection '';"])}
      proxy_next_upstream error timeout http_502 http_503;
      proxy_read_timeout 30s;
    }
  }
}
`;
}

/**
 * Requests are logged by path only: `$uri`, never `$request` or `$request_uri`, whose query
 * string can carry a token (Socket.IO's `?token=` form).
 * @param {boolean} accessLog
 */
function accessLogLines(accessLog) {
  if (!accessLog) return '  access_log off;';
  return `  log_format edge '$remote_addr [$time_iso8601] "$request_method $uri $server_protocol" $status $body_bytes_sent '
                  '$request_time upstream=$upstream_addr req=$request_id "$http_user_agent"';
  access_log /dev/stdout edge;`;
}

/**
 * The connection cap's key: the client's address, or none (not counted) for an exempt address.
 * @param {string[]} exempt
 */
function connLimitZone(exempt) {
  if (exempt.length === 0) return `  limit_conn_zone $binary_remote_addr zone=perip:10m;\n`;
  return `  # Exempt from the per-address connection cap.
  geo $conn_limit_exempt {
    default 0;
${exempt.map((address) => `    ${address} 1;`).join('\n')}
  }
  map $conn_limit_exempt $conn_limit_key {
    1       '';
    default $binary_remote_addr;
  }
  limit_conn_zone $conn_limit_key zone=perip:10m;
`;
}

/** @param {string} address */
function bindLines(address) {
  return `    # The replicas believe X-Forwarded-For from this address only (their TRUST_PROXY), and no
    # client connects from it: one that reaches a replica directly cannot choose its IP.
    proxy_bind ${address};
`;
}

/**
 * What a proxied location sends upstream and hides from the answer. X-Forwarded-For is
 * overwritten with the peer's address, never appended to: whatever the client sent is dropped at
 * the edge, so the replicas see each client's real address and no client can choose it. So is
 * X-Request-Id, with nginx's own `$request_id`: the id a request is logged under on both sides.
 * @param {string[]} own  the location's own proxy_set_header lines
 */
function proxied(own = []) {
  return [
    'proxy_set_header Host $host;',
    'proxy_set_header X-Real-IP $remote_addr;',
    'proxy_set_header X-Forwarded-For $remote_addr;',
    'proxy_set_header X-Forwarded-Proto $scheme;',
    'proxy_set_header X-Request-Id $request_id;',
    ...own,
    // The edge sets these itself (once, below) and names no framework.
    'proxy_hide_header X-Powered-By;',
    'proxy_hide_header X-Content-Type-Options;',
    'proxy_hide_header Referrer-Policy;',
    'proxy_hide_header X-Frame-Options;',
    'proxy_hide_header X-Request-Id;',
    ...apiHeaders(),
  ]
    .map((line) => `      ${line}`)
    .join('\n');
}

/** Headers on every API answer (JSON, Socket.IO, and Swagger UI's HTML at /api). */
function apiHeaders() {
  return [
    'add_header X-Content-Type-Options nosniff always;',
    'add_header Referrer-Policy no-referrer always;',
    'add_header X-Frame-Options DENY always;',
    'add_header X-Request-Id $request_id always;',
  ];
}

/**
 * Headers on the web client's files, each location's own Cache-Control first.
 * @param {string} cacheControl
 */
function webHeaders(cacheControl) {
  return [
    // Not `always`: an error answer is never cached as immutable.
    `add_header Cache-Control "${cacheControl}";`,
    `add_header Content-Security-Policy "${webContentSecurityPolicy}" always;`,
    'add_header X-Frame-Options DENY always;',
    'add_header X-Content-Type-Options nosniff always;',
    'add_header Referrer-Policy no-referrer always;',
  ]
    .map((line) => `      ${line}`)
    .join('\n');
}

/**
 * nginx's own errors as JSON. Only errors nginx raises itself land here: proxy_intercept_errors
 * stays off, so a replica's JSON errors pass through untouched. The pages are internal URIs, not
 * named locations: an error raised while reading the request line (414, a garbled 400) has no
 * URI yet, and nginx cannot redirect such a request to a named location.
 */
function errorPages(/** @type {EdgeError} */ upload) {
  const locations = [...EDGE_ERRORS, upload]
    .map((e) => {
      const body = JSON.stringify({ statusCode: e.as, error: e.error, message: e.message, code: e.code });
      return `    location = ${errorUri(e)} {
      internal;
      types { }
      default_type application/json;
${apiHeaders()
  .map((line) => `      ${line}`)
  .join('\n')}
      return ${e.as} '${body}';
    }`;
    })
    .join('\n');
  return `    # nginx's own errors in the API's JSON shape; an empty \`types\` makes each one JSON whatever
    # the path's extension.
${errorPageDirectives()}
${locations}
`;
}

/**
 * @typedef {{ status: number, as: number, error: string, message: string, code: string, page?: string }} EdgeError
 */

/** @param {EdgeError} e */
const errorUri = (e) => `/_nginx/error/${e.page ?? e.status}`;

/**
 * The error_page lines, some statuses answered with another page. A location that declares any
 * error_page inherits none from the server, so such a location repeats them all.
 * @param {Record<number, EdgeError>} [replaced]
 */
function errorPageDirectives(replaced = {}) {
  // `=431`: without it the client would get the status nginx raised (494 goes out as 400).
  return EDGE_ERRORS.map((edge) => replaced[edge.status] ?? edge)
    .map((e) => `    error_page ${e.status}${e.as === e.status ? '' : ` =${e.as}`} ${errorUri(e)};`)
    .join('\n');
}

/**
 * The upload route's 413, naming its own limit.
 * @param {number} maxBytes
 * @returns {EdgeError}
 */
function uploadError(maxBytes) {
  const mib = maxBytes / (1024 * 1024);
  const size = Number.isInteger(mib) ? `${mib} MiB` : `${maxBytes} bytes`;
  return {
    status: 413,
    as: 413,
    error: 'Payload Too Large',
    message: `The upload exceeds ${size}`,
    code: 'PAYLOAD_TOO_LARGE',
    page: '413-upload',
  };
}

// Only the app's own files are static: its index at `/` and Vite's assets. Every other path,
// GET /rooms included, belongs to the API, which is why the app routes with the URL's hash.
/** @param {string} webRoot */
function webLocations(webRoot) {
  return `    # The web client.
    location = / {
      root ${webRoot};
      try_files /index.html =404;
      types { text/html html; }
      # Always revalidated, so a deploy reaches open browsers on their next load.
${webHeaders('no-cache')}
    }

    location /assets/ {
      root ${webRoot};
      # Inline rather than mime.types, whose path differs between hosts. Browsers refuse a module
      # script served as anything but JavaScript.
      types {
        application/javascript js mjs;
        text/css css;
        application/json map json;
        image/svg+xml svg;
        image/png png;
        font/woff2 woff2;
      }
      default_type application/octet-stream;
      gzip on;
      gzip_types application/javascript text/css application/json image/svg+xml;
      # Vite names every asset after its content hash: a name never changes content.
${webHeaders('public, max-age=31536000, immutable')}
    }

`;
}

/**
 * The local launcher's nginx workers run as the user who started it. Started by root, nginx would
 * drop them to `nobody`, who cannot enter a checkout that only its owner may (a clone under /root,
 * mode 0700, as a root user on a fresh machine makes one): the web client answered 404 there, and
 * a request body too large for memory failed to buffer to the temp directories under it. Started
 * by anyone else, nginx cannot switch users and the workers are that user anyway, so in both cases
 * they read exactly what the user who ran `npm start` can read, and they listen on loopback only.
 * Undefined (no `user` line) when not root: nginx would only warn that it ignores it.
 * @returns {string | undefined}
 */
export function localWorkerUser() {
  if (process.getuid?.() !== 0) return undefined;
  return `${userInfo().username} ${execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim()}`;
}

/** Where the nginx image of deploy/docker/Dockerfile (target `web`) holds the web client. */
export const composeWebRoot = '/srv/chat-web';

/** The docker-compose topology: three named gateway services on port 3000. */
export const composeReplicas = [1, 2, 3].map((i) => ({ id: `gateway-${i}`, address: `gateway-${i}:3000` }));

/**
 * docker-compose: every interface inside the container (only nginx's port is published), Docker's
 * DNS for the replicas' names, a log line per request, and no address exempt from the cap.
 */
export function renderComposeConf() {
  return renderNginxConf({
    listen: 8080,
    listenAddress: '0.0.0.0',
    replicas: composeReplicas,
    resolver: '127.0.0.11',
    accessLog: true,
    webRoot: composeWebRoot,
  });
}

// `node nginx/render.mjs` rewrites nginx/compose.conf.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  writeFileSync(new URL('./compose.conf', import.meta.url), renderComposeConf());
}
