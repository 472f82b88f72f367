import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { NOTIFICATION_EVENTS, type NotificationEvent } from '@resolve/domain';

/** Events with templates: the workflow's notification events plus the notifier's own. */
export type TemplateEvent = NotificationEvent | 'delivery-failed';
export const TEMPLATE_EVENTS: readonly TemplateEvent[] = [...NOTIFICATION_EVENTS, 'delivery-failed'];

export const TEMPLATE_FILES = ['subject.txt', 'body.txt', 'body.html', 'sms.txt'] as const;
export type TemplateFile = (typeof TEMPLATE_FILES)[number];

/** The default template folder: services/notifier/templates. */
export const DEFAULT_TEMPLATES_DIR = path.resolve(__dirname, '..', 'templates');

/**
 * The only values an SMS may carry: the case reference, what happened (the template's own
 * words, with the tier number) and the link. Nothing about people, the category or the
 * protocol. A template that asks for anything else fails when templates are loaded.
 */
export const SMS_VARIABLES = ['reference', 'tier', 'link'] as const;

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g;

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** The `{{name}}` placeholders a template uses. */
export function placeholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

/**
 * `{{name}}` substitution and nothing else: no expressions, no HTML from values (escaped when
 * `html`). A placeholder without a value, or a stray `{{`, is an error naming the template.
 */
export function renderTemplate(
  template: string,
  variables: Readonly<Record<string, string>>,
  options: { name: string; html?: boolean },
): string {
  const missing = placeholders(template).filter((n) => !Object.prototype.hasOwnProperty.call(variables, n));
  if (missing.length > 0) {
    throw new TemplateError(
      `Template ${options.name} uses ${missing.map((m) => `{{${m}}}`).join(', ')} but no value was given ` +
        `(available: ${Object.keys(variables).sort().join(', ') || 'none'})`,
    );
  }
  const out = template.replace(PLACEHOLDER, (_, name: string) =>
    options.html ? escapeHtml(variables[name]) : variables[name],
  );
  const stray = /\{\{|\}\}/.exec(template.replace(PLACEHOLDER, ''));
  if (stray) {
    throw new TemplateError(
      `Template ${options.name} has a malformed placeholder near "${template.slice(Math.max(0, stray.index - 10), stray.index + 20)}": use {{name}}`,
    );
  }
  return out;
}

export type TemplateSet = Readonly<Record<TemplateEvent, Readonly<Record<TemplateFile, string>>>>;

/**
 * Reads every event's four files and checks them once, at start-up: all files present, SMS
 * templates use only SMS_VARIABLES, and no malformed placeholders.
 */
export function loadTemplates(dir: string = DEFAULT_TEMPLATES_DIR): TemplateSet {
  const problems: string[] = [];
  const set: Partial<Record<TemplateEvent, Record<TemplateFile, string>>> = {};
  for (const event of TEMPLATE_EVENTS) {
    const files: Partial<Record<TemplateFile, string>> = {};
    for (const file of TEMPLATE_FILES) {
      const p = path.join(dir, event, file);
      if (!existsSync(p)) {
        problems.push(`${event}/${file} is missing`);
        continue;
      }
      const text = readFileSync(p, 'utf8').replace(/\r\n/g, '\n');
      files[file] = file === 'subject.txt' || file === 'sms.txt' ? text.trim() : text;
      if (/\{\{|\}\}/.test(text.replace(PLACEHOLDER, '')))
        problems.push(`${event}/${file} has a malformed placeholder`);
      if (file === 'sms.txt') {
        const extra = placeholders(text).filter((n) => !(SMS_VARIABLES as readonly string[]).includes(n));
        if (extra.length) {
          problems.push(
            `${event}/sms.txt uses ${extra.map((n) => `{{${n}}}`).join(', ')}: an SMS may only use ${SMS_VARIABLES.map((n) => `{{${n}}}`).join(', ')}`,
          );
        }
      }
    }
    set[event] = files as Record<TemplateFile, string>;
  }
  if (problems.length > 0)
    throw new TemplateError(`Notification templates in ${dir}:\n  - ${problems.join('\n  - ')}`);
  return set as TemplateSet;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** Tidies optional lines: a variable given as "" leaves no blank gap or empty paragraph. */
function tidyText(text: string): string {
  return (
    text
      .replace(/[ \t]+\n/g, '\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim() + '\n'
  );
}
function tidyHtml(html: string): string {
  return html.replace(/<p(?:\s[^>]*)?>\s*<\/p>\s*/g, '');
}

export function renderEmail(
  templates: TemplateSet,
  event: TemplateEvent,
  variables: Readonly<Record<string, string>>,
): RenderedEmail {
  const t = templates[event];
  return {
    subject: renderTemplate(t['subject.txt'], variables, { name: `${event}/subject.txt` })
      .replace(/\s+/g, ' ')
      .trim(),
    text: tidyText(renderTemplate(t['body.txt'], variables, { name: `${event}/body.txt` })),
    html: tidyHtml(renderTemplate(t['body.html'], variables, { name: `${event}/body.html`, html: true })),
  };
}

/** Renders an SMS from the allowed variables only, whatever else the caller holds. */
export function renderSms(
  templates: TemplateSet,
  event: TemplateEvent,
  variables: Readonly<Record<string, string>>,
): string {
  const allowed: Record<string, string> = {};
  for (const name of SMS_VARIABLES) {
    if (Object.prototype.hasOwnProperty.call(variables, name)) allowed[name] = variables[name];
  }
  return renderTemplate(templates[event]['sms.txt'], allowed, { name: `${event}/sms.txt` })
    .replace(/\s+/g, ' ')
    .trim();
}
