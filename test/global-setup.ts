/** Vitest global setup: placeholder until the model fixtures land. */
export default function setup(): void {}
