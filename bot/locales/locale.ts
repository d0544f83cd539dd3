/**
 * The locale files (`bot/locales/zh.yaml`, `en.yaml`): every user-facing sentence of the reply renderers,
 * grouped by feature, with `{name}` placeholders. Loaded once and validated: zh is the reference; en
 * must have every key of zh (and no other), and may only use placeholders the zh text has (or that zh.yaml
 * declares under `_placeholders`, for variables the code passes that Chinese does not need) — a problem is
 * a `LocaleError` naming the file, the key and the fix.
 *
 * @example
 * const locales = loadLocales();               // bot/locales/*.yaml next to this file
 * const t = locales.en.t;
 * t('answer.expired_since', { to: '2023-06-30' }) // 'This measure ended on 2023-06-30.'
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { z } from 'zod';

export type Lang = 'zh' | 'en';
export const LANGS: readonly Lang[] = ['zh', 'en'];

/** Values substituted into `{name}` placeholders. */
export type Vars = Record<string, string | number>;

/** One loaded locale: `t(key, vars)` and the raw flat table. */
export interface Locale {
  lang: Lang;
  /** The text of `key` with its placeholders filled; throws a LocaleError naming the key when a key or a variable is missing. */
  t(key: string, vars?: Vars): string;
  /** Flat table `group.key` → template. */
  table: ReadonlyMap<string, string>;
}

export type Locales = Record<Lang, Locale>;

/** A locale file or lookup problem; the message names the file and key and says how to fix it. */
export class LocaleError extends Error {
  override name = 'LocaleError';
}

/** A leaf of a locale file: a text (numbers and booleans, e.g. an unquoted yes, are read as text). */
const Leaf = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v));
const Group = z.record(z.string(), z.unknown());

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The placeholders of a template. */
export function placeholders(template: string): Set<string> {
  return new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]!));
}

/** Walks the nested groups, validating each leaf with zod; a problem names the full key. */
function flatten(node: unknown, file: string, prefix = '', out = new Map<string, string>()): Map<string, string> {
  const group = Group.safeParse(node);
  if (!group.success || Array.isArray(node)) {
    throw new LocaleError(`${file}: ${prefix ? `key "${prefix}"` : 'the file'} must be a group of texts (a YAML mapping).`);
  }
  for (const [k, v] of Object.entries(group.data)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      flatten(v, file, key, out);
      continue;
    }
    const leaf = Leaf.safeParse(v);
    if (!leaf.success)
      throw new LocaleError(`${file}: key "${key}" must be a text or a group of texts, not ${Array.isArray(v) ? 'a list' : String(v)}.`);
    out.set(key, leaf.data);
  }
  return out;
}

/** Parses one locale file's text into its flat table. */
export function parseLocale(text: string, file: string): Map<string, string> {
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (e) {
    throw new LocaleError(`${file}: not valid YAML (${(e as Error).message.split('\n')[0]}); fix the syntax at the line named.`);
  }
  return flatten(doc, file);
}

function makeLocale(lang: Lang, table: Map<string, string>, file: string): Locale {
  return {
    lang,
    table,
    t(key, vars = {}) {
      const template = table.get(key);
      if (template === undefined) throw new LocaleError(`${file}: no key "${key}"; add it to every locale file.`);
      return template.replace(PLACEHOLDER, (_, name: string) => {
        const v = vars[name];
        if (v === undefined) throw new LocaleError(`${file}: key "${key}" uses {${name}} but the caller passed no "${name}".`);
        return String(v);
      });
    },
  };
}

/**
 * Builds the locales from their file texts and checks them against each other: zh is the reference;
 * every other locale has exactly zh's keys, each using only placeholders that the zh template has.
 */
export function buildLocales(texts: Record<Lang, { text: string; file: string }>): Locales {
  const zh = parseLocale(texts.zh.text, texts.zh.file);
  // `_placeholders.<key>: "a b c"` in zh.yaml: variables the code passes for a key beyond those the zh text uses.
  const extra = new Map<string, Set<string>>();
  for (const [k, v] of [...zh]) {
    if (!k.startsWith('_placeholders.')) continue;
    extra.set(k.slice('_placeholders.'.length), new Set(v.split(/[\s,]+/).filter(Boolean)));
    zh.delete(k);
  }
  const out = { zh: makeLocale('zh', zh, texts.zh.file) } as Locales;
  for (const lang of LANGS) {
    if (lang === 'zh') continue;
    const { text, file } = texts[lang];
    const table = parseLocale(text, file);
    for (const key of [...table.keys()]) if (key.startsWith('_placeholders.')) table.delete(key);
    for (const key of zh.keys()) {
      if (!table.has(key)) throw new LocaleError(`${file}: missing key "${key}" (present in ${texts.zh.file}); add its ${lang} text.`);
    }
    for (const [key, template] of table) {
      if (!zh.has(key)) throw new LocaleError(`${file}: key "${key}" is not in ${texts.zh.file}; remove it or add it there too.`);
      const allowed = new Set([...placeholders(zh.get(key)!), ...(extra.get(key) ?? [])]);
      for (const name of placeholders(template)) {
        if (!allowed.has(name))
          throw new LocaleError(
            `${file}: key "${key}" uses {${name}}, which ${texts.zh.file} does not; use only ${[...allowed].map((n) => `{${n}}`).join(', ') || 'no placeholders'}.`,
          );
      }
    }
    out[lang] = makeLocale(lang, table, file);
  }
  return out;
}

/** The folder of the locale files: next to this module, or — when running compiled from dist/ — bot/locales of the checkout. */
export function defaultLocalesDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const fromDist = join(here, '..', '..', '..', 'bot', 'locales');
  return existsSync(join(here, 'zh.yaml')) ? here : fromDist;
}

/** Loads `zh.yaml` and `en.yaml` from `dir` (default: `defaultLocalesDir()`). */
export function loadLocales(dir = defaultLocalesDir()): Locales {
  const read = (lang: Lang) => {
    const file = join(dir, `${lang}.yaml`);
    try {
      return { text: readFileSync(file, 'utf8'), file };
    } catch (e) {
      throw new LocaleError(`${file}: cannot read the locale file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
    }
  };
  return buildLocales({ zh: read('zh'), en: read('en') });
}
