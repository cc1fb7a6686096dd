// Which evidence a model learns from: a name the CLI checks before the models' modules load.

/** Which evidence a model learns from. */
export type Modalities = "text" | "image" | "both";
export const MODALITIES: readonly Modalities[] = ["text", "image", "both"];
