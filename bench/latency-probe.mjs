// Worker thread of bench/writes.mjs: single-item POST /v1/classify at a fixed rate (open loop), timing each
// request from the moment it was due (so a stalled server cannot hide its stall by slowing the probe down).
// Messages in: { start: true } / { stop: true } / { collect: true } → { samples: number[] (ms), errors }.
import { clearTimeout, setTimeout } from "node:timers";
import { Buffer } from "node:buffer";
import http from "node:http";
import { parentPort, workerData } from "node:worker_threads";

const { url, rate, titles } = workerData;
const target = new URL("/v1/classify", url);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
let samples = [];
let errors = 0;
let timer;
let i = 0;

function once(dueAt) {
  const body = JSON.stringify({ items: [{ id: `q${i}`, title: titles[i++ % titles.length] }], topK: 3 });
  const req = http.request(target, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
    res.resume();
    res.on("end", () => {
      if (res.statusCode === 200) samples.push(performance.now() - dueAt);
      else errors++;
    });
  });
  req.on("error", () => errors++);
  req.end(body);
}

function start() {
  const period = 1000 / rate;
  let next = performance.now();
  const loop = () => {
    const now = performance.now();
    while (next <= now) {
      once(next);
      next += period;
    }
    timer = setTimeout(loop, Math.max(0, next - performance.now()));
  };
  loop();
}

parentPort.on("message", (m) => {
  if (m.start) start();
  if (m.stop) clearTimeout(timer);
  if (m.collect) {
    parentPort.postMessage({ samples, errors });
    samples = [];
    errors = 0;
  }
  if (m.exit) {
    clearTimeout(timer);
    agent.destroy();
    parentPort.close();
  }
});
