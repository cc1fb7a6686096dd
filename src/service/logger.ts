// The structured logger the service writes to (pino's shape), and one that drops everything.

/** Structured logging (pino's shape). */
export interface ServiceLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A logger that writes nothing (the default). */
export const noopLogger: ServiceLogger = { info() {}, warn() {}, error() {} };
