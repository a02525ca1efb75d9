/** Named keys that Sluice generates once and every process sharing the database uses. */
export interface InstanceKeys {
  /** The key stored under `name`; the first caller stores `generate()`, every later one (any replica) reads it. */
  get(name: string, generate: () => string, now: number): Promise<string>;
}
