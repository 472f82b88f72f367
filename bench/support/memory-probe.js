/**
 * Memory probe for bench/memory.ts --probe, preloaded into every node child of the stack through
 * NODE_OPTIONS=--require and active only in the escalation worker. VmRSS alone cannot say where
 * the worker's memory is: the SDK runs workflow code in its own worker thread, a separate V8
 * isolate whose heap the main thread's process.memoryUsage() does not count. So each thread of
 * the worker (the main one and the workflow thread, where this preload also runs) appends its own
 * V8 figures every BENCH_MEMORY_PROBE_SECONDS to BENCH_MEMORY_PROBE_DIR/worker-<pid>-t<thread>.jsonl.
 *
 * SIGUSR2 to the worker writes a heap snapshot of every thread to the same folder
 * (worker-<pid>-t<thread>-<n>.heapsnapshot), the workflow thread's through Worker.getHeapSnapshot().
 *
 * Plain JavaScript: NODE_OPTIONS preloads run before the TypeScript register hook.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const v8 = require('node:v8');
const wt = require('node:worker_threads');

const dir = process.env.BENCH_MEMORY_PROBE_DIR;
const isWorkerProcess = (argv) =>
  argv.some((a) => /services\/worker\/src\/main|bench\/support\/worker-main/.test(a));

if (dir && wt.isMainThread && isWorkerProcess(process.argv)) {
  // Inherited by the SDK's workflow thread (a Worker copies process.env when it is created).
  process.env.BENCH_MEMORY_PROBE_ACTIVE = String(process.pid);
  const threads = new Set();
  const Original = wt.Worker;
  wt.Worker = class ProbedWorker extends Original {
    constructor(...args) {
      super(...args);
      threads.add(this);
      this.once('exit', () => threads.delete(this));
    }
  };
  let taken = 0;
  process.on('SIGUSR2', () => {
    taken += 1;
    const n = taken;
    v8.writeHeapSnapshot(path.join(dir, `worker-${process.pid}-t0-${n}.heapsnapshot`));
    for (const t of threads) {
      t.getHeapSnapshot().then((stream) =>
        stream.pipe(
          fs.createWriteStream(path.join(dir, `worker-${process.pid}-t${t.threadId}-${n}.heapsnapshot`)),
        ),
      );
    }
  });
}

if (dir && process.env.BENCH_MEMORY_PROBE_ACTIVE) {
  const file = path.join(dir, `worker-${process.env.BENCH_MEMORY_PROBE_ACTIVE}-t${wt.threadId}.jsonl`);
  const every = Number(process.env.BENCH_MEMORY_PROBE_SECONDS || 5) * 1000;
  const sample = () => {
    const m = process.memoryUsage();
    const h = v8.getHeapStatistics();
    const spaces = Object.fromEntries(
      v8.getHeapSpaceStatistics().map((s) => [s.space_name, Math.round(s.space_used_size)]),
    );
    fs.appendFileSync(
      file,
      JSON.stringify({
        at: Date.now(),
        thread: wt.threadId,
        rss: m.rss,
        heapTotal: m.heapTotal,
        heapUsed: m.heapUsed,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
        nativeContexts: h.number_of_native_contexts,
        detachedContexts: h.number_of_detached_contexts,
        mallocedMemory: h.malloced_memory,
        heapSizeLimit: h.heap_size_limit,
        spacesUsed: spaces,
      }) + '\n',
    );
  };
  sample();
  setInterval(sample, every).unref();
}
