// The container packaging, checked without a Docker engine (none is reachable where these tests run, so
// the image is never built here): the Dockerfile is multi-stage, runs as a non-root user with a health
// check, and starts the CLI; compose.yaml runs PostgreSQL, Redis, two API replicas and two workers whose
// commands, flags, ports, hosts and environment variables all exist in the CLI and match each other.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildProgram } from "../../src/cli/main.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const dockerfile = readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
const lines = dockerfile.split("\n").filter((l) => l.trim() !== "" && !l.trim().startsWith("#"));
const compose = parse(readFileSync(path.join(ROOT, "compose.yaml"), "utf8"), { merge: true }) as {
  services: Record<string, { command?: string[]; ports?: string[]; environment?: Record<string, string>; depends_on?: Record<string, unknown>; healthcheck?: { test: string[] } }>;
};

const program = await buildProgram();

/** The long option names of CLI verb `verb` (e.g. "--store"). */
function optionsOf(verb: string): Set<string> {
  const cmd = program.commands.find((c: Command) => c.name() === verb);
  if (!cmd) throw new Error(`No CLI verb "${verb}"`);
  return new Set(cmd.options.map((o) => o.long!).filter(Boolean));
}

/** The flags of an argument list: "--name" entries. */
const flags = (args: string[]): string[] => args.filter((a) => a.startsWith("--"));
const valueOf = (args: string[], flag: string): string | undefined => args[args.indexOf(flag) + 1];

/** Every `process.env.X` the sources read. */
function envRead(): Set<string> {
  const out = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir)) {
      const p = path.join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith(".ts")) for (const m of readFileSync(p, "utf8").matchAll(/process\.env\.([A-Z0-9_]+)/g)) out.add(m[1]!);
    }
  };
  walk(path.join(ROOT, "src"));
  return out;
}

describe("Dockerfile", () => {
  it("builds in stages and runs the compiled CLI as a non-root user with a health check", () => {
    const froms = lines.filter((l) => /^FROM /i.test(l));
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const last = lines.slice(lines.lastIndexOf(froms[froms.length - 1]!));
    const user = last.find((l) => /^USER /i.test(l))?.split(/\s+/)[1];
    expect(user).toBeDefined();
    expect(["root", "0"]).not.toContain(user);
    expect(last.some((l) => /^HEALTHCHECK /i.test(l))).toBe(true);
    expect(last.find((l) => /^ENTRYPOINT /i.test(l))).toBe('ENTRYPOINT ["node", "bin/assort.js"]');
    expect(existsSync(path.join(ROOT, "bin/assort.js"))).toBe(true);
    // What the stages copy from the build context exists.
    for (const l of lines.filter((x) => /^COPY /i.test(x) && !x.includes("--from="))) {
      for (const src of l.split(/\s+/).slice(1, -1)) expect(existsSync(path.join(ROOT, src)), src).toBe(true);
    }
  });

  it("its build stage copies every file `npm ci` and `npm run build` read", () => {
    const build = lines.slice(0, lines.indexOf(lines.filter((l) => /^FROM /i.test(l))[1]!));
    const copied = build.filter((l) => /^COPY /i.test(l)).flatMap((l) => l.split(/\s+/).slice(1, -1));
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    // Every path the build script names (tsconfig files, scripts/*.mjs, web/vite.config.ts) lies under a copied path.
    const named = [...pkg.scripts.build!.matchAll(/(?:-p|--config|node)\s+(\S+)/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThanOrEqual(3);
    for (const f of [...named, ".npmrc", "package-lock.json"]) {
      expect(copied.some((c) => f === c || f.startsWith(`${c.replace(/\/$/, "")}/`)), f).toBe(true);
    }
  });

  it("its default command is `assort serve` on the port it exposes and checks", () => {
    const cmd = JSON.parse(lines.find((l) => /^CMD /i.test(l))!.slice(4)) as string[];
    expect(cmd[0]).toBe("serve");
    const serve = optionsOf("serve");
    for (const f of flags(cmd)) expect(serve.has(f), f).toBe(true);
    const port = valueOf(cmd, "--port");
    expect(lines).toContain(`EXPOSE ${port}`);
    expect(dockerfile).toContain(`http://127.0.0.1:${port}/health`);
    expect(valueOf(cmd, "--host")).toBe("0.0.0.0");
  });
});

describe("compose.yaml", () => {
  const services = compose.services;
  const assort = Object.entries(services).filter(([, s]) => s.command && ["serve", "worker"].includes(s.command[0]!));

  it("runs PostgreSQL, Redis, two API replicas and two workers", () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(["postgres", "redis"]));
    expect(assort.filter(([, s]) => s.command![0] === "serve")).toHaveLength(2);
    expect(assort.filter(([, s]) => s.command![0] === "worker")).toHaveLength(2);
  });

  it("gives each replica and worker flags the CLI has, the store and queue of the services it depends on", () => {
    for (const [name, s] of assort) {
      const verb = s.command![0]!;
      const known = optionsOf(verb);
      for (const f of flags(s.command!)) expect(known.has(f), `${name}: ${f}`).toBe(true);
      const store = new URL(valueOf(s.command!, "--store")!.replace("${POSTGRES_PASSWORD}", "x"));
      const queue = new URL(valueOf(s.command!, "--queue")!);
      expect(store.protocol).toBe("postgres:");
      expect([store.hostname, store.port, store.pathname]).toEqual(["postgres", "5432", "/assort"]);
      expect([queue.protocol, queue.hostname, queue.port]).toEqual(["redis:", "redis", "6379"]);
      expect(Object.keys(s.depends_on ?? {}).sort()).toEqual(["postgres", "redis"]);
    }
  });

  it("publishes each replica's --port, and sets only environment variables the code reads", () => {
    const read = envRead();
    for (const [name, s] of assort) {
      for (const v of Object.keys(s.environment ?? {})) expect(read.has(v), `${name}: ${v}`).toBe(true);
      if (s.command![0] !== "serve") continue;
      const port = valueOf(s.command!, "--port");
      expect(s.ports?.map((p) => p.split(":").pop()), name).toEqual([port]);
    }
    const published = assort.flatMap(([, s]) => (s.ports ?? []).map((p) => p.split(":")[0]));
    expect(new Set(published).size).toBe(published.length);
  });

  it("checks a worker's health by the heartbeat file it writes", () => {
    for (const [name, s] of assort.filter(([, x]) => x.command![0] === "worker")) {
      const file = valueOf(s.command!, "--heartbeat");
      expect(file, name).toBeDefined();
      expect(s.healthcheck!.test.join(" ")).toContain(file);
    }
  });
});
