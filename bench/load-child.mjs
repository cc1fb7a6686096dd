// One load phase of the hardening benchmark in its own process (so `taskset` can pin it to a core apart from the
// server): reads a JSON spec from the file argv[2] names, prints the summary as one JSON line.
//   spec: { url, mode: "closed" | "paced" | "slow", seconds, connections?, rate?, spin?,
//           requests: [{ method, path, body? }] (cycled), slow?: { count, contentLength, everyMs } }
import { readFileSync } from "node:fs";
import net from "node:net";
import { clearInterval, setInterval } from "node:timers";
import { setTimeout as sleep } from "node:timers/promises";
import { closedLoop, httpRequest, paced } from "./load.mjs";

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const reqs = spec.requests.map((r) => httpRequest(spec.url, r));
const next = (i) => reqs[i % reqs.length];

/**
 * Slow clients: `count` connections each send headers announcing `contentLength` body bytes, then one byte every
 * `everyMs`, for `seconds`. Resolves with how many were still open at the end, and how many got an answer.
 */
async function slowClients({ count, contentLength, everyMs }, seconds) {
  const { hostname, port } = new URL(spec.url);
  let open = 0;
  let answered = 0;
  const sockets = [];
  for (let i = 0; i < count; i++) {
    const s = net.connect({ host: hostname, port: Number(port) });
    s.on("connect", () => {
      open++;
      s.write(`POST /v1/classify HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${contentLength}\r\n\r\n{`);
    });
    s.on("data", () => answered++);
    s.on("close", () => open--);
    s.on("error", () => undefined);
    sockets.push(s);
  }
  const timer = setInterval(() => {
    for (const s of sockets) if (!s.destroyed) s.write(" ");
  }, everyMs);
  await sleep(seconds * 1000);
  clearInterval(timer);
  const stillOpen = open;
  for (const s of sockets) s.destroy();
  return { slowConnections: count, stillOpen, answered };
}

let out;
if (spec.mode === "closed") out = await closedLoop(spec.url, { connections: spec.connections ?? 16, seconds: spec.seconds, next });
else if (spec.mode === "paced") out = await paced(spec.url, { rate: spec.rate, seconds: spec.seconds, connections: spec.connections ?? 256, spin: spec.spin ?? false, next });
else if (spec.mode === "slow") out = await slowClients(spec.slow, spec.seconds);
else throw new Error(`unknown mode ${spec.mode}`);
process.stdout.write(JSON.stringify(out) + "\n");
process.exit(0);
