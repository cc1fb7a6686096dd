// The scale benchmark's client (a process of its own, in a session of its own, as a client on another
// machine would be): single-item POST /v1/classify to the replica, one at a time, `rate` per second (the
// next request leaves 1/rate s after the previous one left, or at once when it took longer), each timed from
// sending to the last byte of the answer. Runs until SIGTERM, then prints one JSON line: { latencies (ms,
// answers 200), statuses, runQueueWaitMs (this thread waiting for a core meanwhile) }.
//   node bench/scale-probe.mjs URL RATE TITLES_JSONL
import http from "node:http";
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

const [url, rateArg, titlesFile] = process.argv.slice(2);
const rate = Number(rateArg);
const titles = readFileSync(titlesFile, "utf8").split("\n").filter(Boolean).slice(0, 2000).map((l) => JSON.parse(l).title);
const target = new URL("/v1/classify", url);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const wait = () => {
  try {
    return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[1]);
  } catch {
    return 0;
  }
};
const latencies = [];
const statuses = {};
let running = true;
process.once("SIGTERM", () => (running = false));

function once(body) {
  return new Promise((resolve) => {
    const req = http.request(target, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
      res.on("error", () => resolve("error"));
    });
    req.on("error", () => resolve("error"));
    req.end(body);
  });
}

const wait0 = wait();
process.stdout.write("probe ready\n");
for (let i = 0; running; i++) {
  const body = JSON.stringify({ items: [{ id: "q", title: titles[i % titles.length] }] });
  const t0 = performance.now();
  const status = await once(body);
  const ms = performance.now() - t0;
  statuses[status] = (statuses[status] ?? 0) + 1;
  if (status === 200) latencies.push(ms);
  const left = 1000 / rate - (performance.now() - t0);
  if (left > 0) await sleep(left);
}
agent.destroy();
process.stdout.write(JSON.stringify({ latencies, statuses, runQueueWaitMs: Math.round((wait() - wait0) / 1e6) }) + "\n");
