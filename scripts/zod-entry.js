// The entry vendor-zod.mjs bundles: everything zod exports.
export * from "zod";
export { default } from "zod";
