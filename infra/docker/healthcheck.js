'use strict';
// Container health probe for the Resolve images (Docker HEALTHCHECK and compose `healthcheck`).
// Exit 0 = healthy, 1 = unhealthy; one line on stdout says why (docker inspect shows it).
//
// HEALTHCHECK_MODE=http (api)
//   GET HEALTHCHECK_URL (default http://127.0.0.1:$PORT/health) must answer 2xx.
// HEALTHCHECK_MODE=temporal-poller (worker, notifier: Temporal workers with no HTTP port)
//   Asks the Temporal frontend (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE) which pollers it has
//   seen on the task queue, and wants one from this container. The SDK's default worker
//   identity is `<pid>@<hostname>` and a container's hostname is its own, so this proves the
//   worker in *this* replica is connected and polling, not just that the process exists.
//   It connects as the service does (TEMPORAL_TLS_*, TEMPORAL_API_KEY), through the same
//   options builder in @resolve/temporal.
//   The queue is HEALTHCHECK_TASK_QUEUE, or TASK_QUEUES[HEALTHCHECK_TASK_QUEUE_KEY] from
//   @resolve/contracts so the names stay in one place. HEALTHCHECK_TASK_QUEUE_TYPE is
//   workflow (default) or activity. HEALTHCHECK_POLLER_MATCH=any accepts any poller (for a
//   worker that sets its own identity without the hostname).
// RESOLVE_SERVICE (set by the image) supplies the defaults of the three services, so one
// Dockerfile serves them all; each HEALTHCHECK_* variable still overrides its default.
const os = require('node:os');
const path = require('node:path');

const timeoutMs = Number(process.env.HEALTHCHECK_TIMEOUT_MS || 4000);

const serviceDefaults = {
  api: { HEALTHCHECK_MODE: 'http' },
  worker: {
    HEALTHCHECK_MODE: 'temporal-poller',
    HEALTHCHECK_TASK_QUEUE_KEY: 'escalations',
    HEALTHCHECK_TASK_QUEUE_TYPE: 'workflow',
  },
  notifier: {
    HEALTHCHECK_MODE: 'temporal-poller',
    HEALTHCHECK_TASK_QUEUE_KEY: 'notifications',
    HEALTHCHECK_TASK_QUEUE_TYPE: 'activity',
  },
};
for (const [name, value] of Object.entries(serviceDefaults[process.env.RESOLVE_SERVICE] || {})) {
  if (!process.env[name]) process.env[name] = value;
}

function done(ok, message) {
  console.log(`${ok ? 'healthy' : 'unhealthy'}: ${message}`);
  process.exit(ok ? 0 : 1);
}

async function checkHttp() {
  const url = process.env.HEALTHCHECK_URL || `http://127.0.0.1:${process.env.PORT || 3000}/health`;
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  done(res.ok, `GET ${url} -> ${res.status}`);
}

function taskQueueName() {
  if (process.env.HEALTHCHECK_TASK_QUEUE) return process.env.HEALTHCHECK_TASK_QUEUE;
  const key = process.env.HEALTHCHECK_TASK_QUEUE_KEY;
  if (!key) throw new Error('set HEALTHCHECK_TASK_QUEUE or HEALTHCHECK_TASK_QUEUE_KEY');
  require(path.resolve(__dirname, '..', 'runtime', 'register-dist.js'));
  const { TASK_QUEUES } = require('@resolve/contracts');
  const name = TASK_QUEUES && TASK_QUEUES[key];
  if (!name) throw new Error(`@resolve/contracts TASK_QUEUES has no key "${key}"`);
  return name;
}

/** The compiled tree (the image's dist/, or RESOLVE_DIST_DIR as register-dist.js reads it). */
function compiled(file) {
  const root = path.resolve(__dirname, '..', '..');
  return path.resolve(root, process.env.RESOLVE_DIST_DIR || 'dist', file);
}

async function checkTemporalPoller() {
  const { Connection } = require('@temporalio/client');
  require(path.resolve(__dirname, '..', 'runtime', 'register-dist.js'));
  const { readConfig, temporalSettingsSchema } = require('@resolve/config');
  // The options file alone: @resolve/temporal's index would load the worker SDK on every probe.
  const { temporalConnectionOptions } = require(compiled('libs/temporal/src/connection-options.js'));
  const queue = taskQueueName();
  const type = (process.env.HEALTHCHECK_TASK_QUEUE_TYPE || 'workflow').toLowerCase();
  const settings = readConfig(temporalSettingsSchema, process.env);
  const address = settings.TEMPORAL_ADDRESS;
  const namespace = settings.TEMPORAL_NAMESPACE;
  const connection = await Connection.connect({
    ...temporalConnectionOptions(settings),
    connectTimeout: timeoutMs,
  });
  try {
    const res = await connection.withDeadline(Date.now() + timeoutMs, () =>
      connection.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: queue, kind: 1 /* TASK_QUEUE_KIND_NORMAL */ },
        taskQueueType: type === 'activity' ? 2 /* ACTIVITY */ : 1 /* WORKFLOW */,
      }),
    );
    const host = os.hostname();
    const pollers = (res.pollers || []).map((p) => String(p.identity || ''));
    const anyPoller = process.env.HEALTHCHECK_POLLER_MATCH === 'any';
    const mine = pollers.filter((id) => anyPoller || id.includes(host));
    done(
      mine.length > 0,
      `${type} task queue ${queue} on ${address}/${namespace}: ` +
        (mine.length > 0
          ? `polled by ${mine.join(', ')}`
          : `no poller from ${host} (pollers: ${pollers.join(', ') || 'none'})`),
    );
  } finally {
    await connection.close().catch(() => undefined);
  }
}

const modes = { http: checkHttp, 'temporal-poller': checkTemporalPoller };
const mode = process.env.HEALTHCHECK_MODE || 'http';
const check = modes[mode];
if (!check) done(false, `unknown HEALTHCHECK_MODE "${mode}" (expected: ${Object.keys(modes).join(', ')})`);
setTimeout(() => done(false, `no answer within ${timeoutMs + 2000} ms`), timeoutMs + 2000).unref();
check().catch((err) => done(false, err && err.message ? err.message : String(err)));
