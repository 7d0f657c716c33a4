import type { FastifyInstance } from 'fastify';
import type { MigrationSet } from './db/migrator.ts';
import type { ErrorEntry } from './errors.ts';
import type { EventName, Subscriptions } from './events.ts';
import type { RouteContract } from './http/contract.ts';
import type { AnyRoute } from './http/route.ts';

/**
 * The shape every module has (DESIGN.md, "The module shape"): `src/modules/<m>/index.ts` exports
 * one `ModuleDescriptor`, and nothing outside the module imports any other file of it. The
 * static parts (migrations, errors, contracts, CLI commands, seeders, the events it subscribes to)
 * are data, readable without building anything; `create(deps)` builds the module from the ports
 * of the modules it depends on and returns the ports it offers to others, its route handlers and
 * its event handlers. main.ts is the list of modules and what each is given.
 */
export type ModuleDescriptor<Deps, Ports, Static = unknown> = {
  name: string;
  migrations: MigrationSet;
  /** The module's error codes (`errors.ts`); main.ts composes them into the one catalogue. */
  errors: Readonly<Record<string, ErrorEntry>>;
  /** The module's route contracts (`contracts.ts`), keyed by operation id. */
  contracts: Readonly<Record<string, RouteContract>>;
  /** Events this module reacts to; `create` returns a handler for each (checked at start). */
  subscribes: readonly EventName[];
  /** Data the module offers without being built (e.g. the sandbox's product list for the catalogue seed). */
  statics?: Static;
  /**
   * `darwaza admin <name>` subcommands that need only this module's ports (src/cli/admin.ts lists
   * them). A face may instead export commands typed with narrower ports than `Ports` by name.
   */
  cli?: ReadonlyArray<CliCommand<Ports>>;
  create(deps: Deps): Promise<ModuleInstance<Ports>> | ModuleInstance<Ports>;
};

export type ModuleInstance<Ports> = {
  /** What other modules may use (typed in the module's face). */
  ports: Ports;
  /** Route handlers, one per contract (`implement`). */
  routes: AnyRoute[];
  /** One handler per event named in `subscribes`. */
  on?: Subscriptions;
  /** HTTP surfaces that are not portal routes (the gateway, OAuth endpoints). */
  plugins?: Array<(app: FastifyInstance) => Promise<void> | void>;
  /** Background work started with the server (worker role), stopped with it. */
  worker?: { start(): Promise<void> | void; stop(): Promise<void> | void };
  /** Releases what the module holds (buffers, timers) before pools close. */
  close?(): Promise<void>;
};

/**
 * A CLI command as data. `open()` gives the ports of the system the CLI opened on the server's
 * database (the admin command opens it before running the subcommand, so a missing database or
 * key is what is reported first) and the command prints its own output; an error it throws is
 * printed as one line with a non-zero exit code. Commands that need several modules live at the
 * root (src/cli/), which may import every face.
 */
export type CliCommand<Ports> = {
  name: string;
  /** Its entry in the `--help` text of the command it belongs to. */
  usage: string;
  run(args: string[], open: () => Promise<Ports>): Promise<void>;
};

/**
 * Seed data as data: idempotent, run by src/seed.ts in its order with the ports (and data) this
 * seeder names. A module's seeders need only that module and are exported by its face (each
 * typed with just what it reads, so the root binds it explicitly); seeding that spans modules
 * (the demo's people) is the root's (src/seed/). Base seeders run on every install; demo seeders only for the demo. `run` answers a
 * short note of what it created, or undefined when there was nothing to do.
 */
export type Seeder<Ports> = {
  name: string;
  demo: boolean;
  run(ports: Ports): Promise<string | undefined>;
};

export function defineModule<Deps, Ports, Static = unknown>(
  descriptor: ModuleDescriptor<Deps, Ports, Static>,
): ModuleDescriptor<Deps, Ports, Static> {
  return descriptor;
}

/**
 * A port whose provider is built after its consumer (two modules that ask each other questions at
 * call time: sign-up asks the terms module which version is in force, and the terms module asks
 * identity for users). main.ts creates it, hands `port` to the consumer, and calls `provide` once
 * the provider exists; a call before that is a wiring bug and throws.
 */
export function latePort<T extends object>(name: string): { port: T; provide(impl: T): void } {
  let impl: T | null = null;
  const port = new Proxy({} as T, {
    get(_t, key) {
      if (!impl) throw new Error(`port ${name} was used before main.ts provided it`);
      const v = (impl as Record<PropertyKey, unknown>)[key];
      return typeof v === 'function' ? v.bind(impl) : v;
    },
  });
  return {
    port,
    provide(i) {
      impl = i;
    },
  };
}
