// Plain objects answer to names nobody put in them (`constructor`, `__proto__`, `toString`…), so a
// table keyed by what a sender wrote must look at its own properties only, and must write a key like
// "__proto__" as data rather than as the object's prototype.

/** The value `table` itself holds under `key`; undefined for a name it only inherits. */
export function ownValue<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Sets `key` as an own, enumerable property of `target`; an assignment of "__proto__" would change its prototype instead. */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  // Only "__proto__" is an accessor a plain object inherits: every other key is assigned as an own data
  // property. A plain assignment keeps the object in V8's fast mode (defineProperty on every key does
  // not, measured: it ran for every label of every signal the acknowledgement redacts and stores).
  if (key === "__proto__" || !isPlainRecord(target)) {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

function isPlainRecord(target: object): boolean {
  const proto = Object.getPrototypeOf(target);
  return proto === Object.prototype || proto === null;
}
