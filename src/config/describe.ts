/** The config reference as Markdown, generated from the schema (used for the README). */
import { fieldAllowedText } from './constraints.js';
import { schemaLeaves, schemaSections } from './walk.js';

const cell = (s: string) => s.replaceAll('|', '\\|');

function defaultText(v: unknown, derived: string | undefined): string {
  if (derived !== undefined) return derived;
  return `\`${JSON.stringify(v)}\``;
}

/** One table per section: key, allowed values, default, description. */
export function describeConfig(): string {
  const out: string[] = [];
  for (const { key: sectionKey, section } of schemaSections()) {
    const depth = sectionKey === '' ? 1 : sectionKey.split('.').length + 1;
    const rows = schemaLeaves(section, sectionKey).filter(({ key }) => key.split('.').length === depth);
    if (rows.length === 0) continue;
    // The root holds lists such as `features` directly; it gets a plain heading.
    const title = sectionKey === '' ? 'Top-level keys' : `\`${sectionKey}\``;
    out.push(`### ${title}`, '', section.description, '', '| key | allowed | default | description |', '|---|---|---|---|');
    for (const { key, field } of rows) {
      out.push(`| \`${key}\` | ${cell(fieldAllowedText(field))} | ${cell(defaultText(field.default, field.derive?.text))} | ${cell(field.description)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
