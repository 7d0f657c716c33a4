/**
 * Puts the prototypes that primitive values find their methods on (`String.prototype`,
 * `Number.prototype`, …) back into V8's fast mode, and keeps them there.
 *
 * Why: V8 turns an object into a slow "dictionary" object when it first becomes the prototype of a
 * new prototype, and turns it back once a property lookup from an object walks through it. ioredis
 * declares `class VerbatimString extends String`, so loading it leaves `String.prototype` in
 * dictionary mode. The walk that would repair it never comes, because every lookup of a string
 * method starts at a string, not an object. Optimized code then cannot inline `s.charCodeAt`,
 * `s.slice` or `s.indexOf`; each such read becomes a call into V8's generic lookup. This is true
 * anywhere in the process: in our code, in Node's HTTP code, in the libraries.
 *
 * Measured on the gateway under load (perf): `Builtins_LoadIC` was 4 % of the serving thread. The
 * sandbox's field check, which reads characters in a loop, took ~3 µs per call in the server
 * against ~1 µs in a process without ioredis.
 *
 * How: a lookup on an object that has the prototype in its chain. Once repaired, the prototype is
 * marked to stay fast, so a later `extends String` does not slow it down again. On an engine that
 * works differently this only runs a few property reads. `fast-prototypes.test.ts` checks the
 * result with V8's own `%HasFastProperties`.
 */
const PRIMITIVE_PROTOTYPES: readonly object[] = [
  String.prototype,
  Number.prototype,
  Boolean.prototype,
  Symbol.prototype,
  BigInt.prototype,
];

/** Call once all modules are loaded (the composition root does, in `createSystem`). */
export function keepPrimitivePrototypesFast(): void {
  for (const proto of PRIMITIVE_PROTOTYPES) {
    const probe: object = Object.create(proto);
    // V8 repairs the chain only from a read site that has its feedback vector, which a function
    // gets after 8 calls (`--invocation-count-for-feedback-allocation`); 100 leave a margin.
    for (let i = 0; i < 100; i++) readThrough(probe);
  }
}

function readThrough(o: object): unknown {
  return (o as { darwazaProbe?: unknown }).darwazaProbe;
}
