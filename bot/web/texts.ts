/**
 * The web channel's wording (page, errors, hand-off packet, admin): `bot/web/static/locale.json`, the
 * same file the page loads, so that every sentence lives in one data file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config.ts';
import type { PacketLabels } from '../handoff/packet.ts';

/** Folder of the page, its script and style, the embed script and the locale file. */
export const STATIC_DIR = join(PROJECT_ROOT, 'bot', 'web', 'static');

export type WebLang = 'zh' | 'en';

export interface WebTexts {
  errors: Record<string, string>;
  packet: PacketLabels;
  status: Record<string, string>;
  verdict: Record<string, string>;
}

/** Reads the locale file; throws naming the file and the missing section. */
export function loadWebTexts(file = join(STATIC_DIR, 'locale.json')): Record<WebLang, WebTexts> {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Partial<WebTexts>>;
  const out = {} as Record<WebLang, WebTexts>;
  for (const lang of ['zh', 'en'] as const) {
    const t = doc[lang];
    for (const key of ['errors', 'packet', 'status', 'verdict'] as const) {
      if (!t?.[key] || typeof t[key] !== 'object') throw new Error(`${file}: "${lang}.${key}" is missing`);
    }
    out[lang] = t as WebTexts;
  }
  return out;
}

/** Fills `{name}` placeholders. */
export function fill(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? String(values[k]) : m));
}

let rawLocale: Record<string, Record<string, unknown>> | undefined;

/** One top-level sentence of the locale file (e.g. `handoff`, `handoffIntro`), for other channels. */
export function localeText(lang: WebLang, key: string): string {
  rawLocale ??= JSON.parse(readFileSync(join(STATIC_DIR, 'locale.json'), 'utf8')) as Record<string, Record<string, unknown>>;
  const v = rawLocale[lang]?.[key] ?? rawLocale.zh?.[key];
  if (typeof v !== 'string') throw new Error(`${join(STATIC_DIR, 'locale.json')}: "${lang}.${key}" is missing or not a string`);
  return v;
}
