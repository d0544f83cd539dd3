/**
 * "Let me talk to a person": the cue words live in `corpus/handoff.yaml` (data, not code).
 */
import { existsSync, readFileSync } from 'node:fs';
import yaml from 'js-yaml';

/** Reads the cue list; a missing file gives none, a malformed one throws naming the file. */
export function loadHandoffCues(file: string): string[] {
  if (!existsSync(file)) return [];
  const doc = yaml.load(readFileSync(file, 'utf8')) as { cues?: unknown };
  if (!doc || !Array.isArray(doc.cues) || doc.cues.some((c) => typeof c !== 'string' || !c.trim())) {
    throw new Error(`${file}: expected a top-level "cues:" list of non-empty strings`);
  }
  return (doc.cues as string[]).map((c) => c.normalize('NFKC').toLowerCase());
}

/** True when the message asks for a person. */
export function asksForPerson(text: string, cues: string[]): boolean {
  const t = text.normalize('NFKC').toLowerCase();
  return cues.some((c) => t.includes(c));
}
