// The HTTP edge's entry: what the CLI (`assort serve`) wires together.
export { buildServer, type ServerOptions, type ServerLimits } from "./build-server.js";
export { TRANSPORT_DEFAULTS, type TransportLimits, type Pressure } from "./transport.js";
export { KeyRing, parseKeysFile, allows, MIN_KEY_CHARS, type Role } from "./api-keys.js";
export type { CatalogServicePort, ServiceModel, ServiceJob, ServiceClassification } from "./service-port.js";
export { toProblem, HttpProblem, type Problem } from "./problem.js";
