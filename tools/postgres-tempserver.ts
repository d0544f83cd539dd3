/**
 * A throw-away PostgreSQL server for tests and benchmarks: `initdb` into a temp folder, `pg_ctl start`
 * on 127.0.0.1 with a free port and the unix socket inside the temp folder, `stop()` shuts it down
 * and removes the folder. Nothing listens beyond loopback; trust authentication (loopback only).
 *
 * Binaries are found on PATH (`initdb`, `pg_ctl`), then in `/usr/lib/postgresql/<newest>/bin`
 * (Debian/Ubuntu) and `/usr/local/pgsql/bin`. As root, `initdb` refuses to run: the server is then
 * run as the `postgres` OS user (`runuser -u postgres --`), which owns the temp folder.
 *
 * @example
 * const pg = await startTempPostgres();
 * if ('skip' in pg) console.log(pg.skip); else { const url = await pg.createDatabase('t1'); …; await pg.stop(); }
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, chownSync, constants, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.ts';

/** A running temp server. */
export interface TempPostgres {
  /** URL of the `postgres` database (superuser `postgres`, trust auth on 127.0.0.1). */
  url: string;
  port: number;
  dir: string;
  /** PostgreSQL major version of the binaries. */
  version: string;
  /** Creates a fresh database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (fast) and removes the temp folder. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Creates a fresh database on the server of `url` (a superuser's URL) and returns the new database's URL.
 * Names are lowercase letters, digits and `_` (they are not quoted).
 */
export async function createDatabaseOn(url: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`bad database name "${name}" (lowercase letters, digits, _)`);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Where `initdb` and `pg_ctl` live, or null with the reason. */
export function findPgBinDir(env: NodeJS.ProcessEnv = process.env): { dir: string } | { reason: string } {
  const isExec = (f: string) => {
    try {
      accessSync(f, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  const candidates: string[] = [];
  if (env.PG_BIN_DIR) candidates.push(env.PG_BIN_DIR);
  candidates.push(...(env.PATH ?? '').split(delimiter).filter(Boolean));
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(debian, v, 'bin')));
  }
  candidates.push('/usr/local/pgsql/bin');
  for (const d of candidates) if (isExec(join(d, 'initdb')) && isExec(join(d, 'pg_ctl')) && isExec(join(d, 'postgres'))) return { dir: d };
  return {
    reason:
      'no PostgreSQL server binaries (initdb, pg_ctl, postgres) on PATH or in /usr/lib/postgresql/*/bin; install the Debian package `postgresql` (.ci/run does)',
  };
}

/** Options of `startTempPostgres`. */
export interface TempPostgresOptions {
  /** Extra `-c name=value` server settings. Default: fsync off (throw-away data), 100 connections. */
  settings?: Record<string, string | number>;
  /** Keep durability settings at PostgreSQL's defaults (fsync on) — for benchmarks that report it. */
  durable?: boolean;
}

/**
 * Starts a temp server; resolves `{ skip: reason }` when no server binary is available (or the
 * server cannot be run as a non-root user) so that tests can skip with a clear reason.
 */
export async function startTempPostgres(opts: TempPostgresOptions = {}): Promise<TempPostgres | { skip: string }> {
  const bin = findPgBinDir();
  if ('reason' in bin) return { skip: bin.reason };
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  let uid: number | undefined;
  let gid: number | undefined;
  if (asRoot) {
    try {
      uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    } catch {
      return {
        skip: 'running as root and there is no `postgres` OS user to run the server as (initdb refuses root); create one with `useradd -r postgres`',
      };
    }
  }
  const run = (cmd: string, args: string[]) => {
    const file = join(bin.dir, cmd);
    const r = asRoot
      ? spawnSync('runuser', ['-u', 'postgres', '--', file, ...args], { encoding: 'utf8' })
      : spawnSync(file, args, { encoding: 'utf8' });
    if (r.status !== 0)
      throw new Error(`${cmd} failed (exit ${r.status}): ${(r.stderr || r.stdout || String(r.error ?? '')).trim().slice(-800)}`);
    return r.stdout;
  };
  const dir = mkdtempSync(join(tmpdir(), 'policybot-pg-'));
  if (asRoot) chownSync(dir, uid!, gid!);
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  let started = false;
  const cleanup = () => {
    if (started) {
      started = false;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const onExit = () => cleanup();
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
    const version = run('pg_ctl', ['--version'])
      .trim()
      .replace(/^.*?(\d+(\.\d+)?).*$/s, '$1');
    const settings: Record<string, string | number> = {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: dir,
      max_connections: 100,
      ...(opts.durable ? {} : { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' }),
      ...opts.settings,
    };
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const conf = Object.entries({ ...settings, port })
        .map(([k, v]) => `${k} = '${String(v).replace(/'/g, "''")}'`)
        .join('\n');
      writeFileSync(join(data, 'postgresql.auto.conf'), conf + '\n');
      if (asRoot) chownSync(join(data, 'postgresql.auto.conf'), uid!, gid!);
      try {
        run('pg_ctl', ['-D', data, '-l', logFile, '-w', '-t', '30', 'start']);
      } catch (err) {
        if (attempt < 2) continue; // the port was taken in between: try another
        throw err;
      }
      started = true;
      process.once('exit', onExit);
      const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
      return {
        url,
        port,
        dir,
        version,
        createDatabase: (name: string) => createDatabaseOn(url, name),
        async stop() {
          process.removeListener('exit', onExit);
          cleanup();
        },
      };
    }
  } catch (err) {
    cleanup();
    throw err;
  }
}
