/** See ipvs-input.mjs. */
export function restoreInput(services: number, dests: number): string;
