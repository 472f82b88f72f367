import { createHash } from 'node:crypto';
import type { Type } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validate } from 'class-validator';
import type { AgencySummary, PersonWithRoles } from '@resolve/persistence';
import { AGENCY_ADMINISTRATION_ROLES, AGENCY_ROLES, PARTNERSHIP_ROLES } from '@resolve/protocols';
import type { Caller } from '../auth/caller';
import { ApiError } from '../common/api-error';
import type { DirectoryService } from '../directory/directory.service';
import {
  AgencyRoleDto,
  CreateAgencyDto,
  CreatePersonDto,
  LineManagerDto,
  PartnershipRoleDto,
  UpdatePersonDto,
} from '../directory/dto/directory.dto';
import type { FieldError } from './case-actions';

/**
 * A person's reference in the directory pages' addresses: derived from their id, so an id that
 * spells a name (e.g. "sefton-police-dci-jones") stays out of URLs, browser history and access logs.
 */
export const personRef = (personId: string) =>
  createHash('sha256').update(`person:${personId}`).digest('base64url').slice(0, 22);

export const PERSON_REF = /^[A-Za-z0-9_-]{22}$/;

export type Option = { value: string; text: string };

/** A field of a directory form. `short` names it in error messages ("Email must be..."). */
export interface DirectoryField {
  name: string;
  label: string;
  short: string;
  type: 'text' | 'email' | 'tel' | 'radios' | 'checkboxes' | 'select' | 'yes-no';
  hint?: string;
  optional?: boolean;
  width?: string;
  autocomplete?: string;
  /** For radios, checkboxes and selects. */
  options?: (context: FormContext) => Option[];
}

/** What a form knows of the directory when it is shown, checked and sent. */
export interface FormContext {
  partnershipId: string;
  agencies: AgencySummary[];
  people: PersonWithRoles[];
  person?: PersonWithRoles;
}

/** One change to the directory as pages: its form, its check page and the directory service's command. */
export interface DirectoryForm {
  key: string;
  title: string;
  lead: string;
  fields: DirectoryField[];
  dto: Type<object>;
  /** The field an error from the service belongs to when it names none. */
  defaultField: string;
  /** Answers as sent (strings) to the request body the JSON API would take. */
  toDto(values: Record<string, string>): Record<string, unknown>;
  initial?(context: FormContext): Record<string, string>;
  run(service: DirectoryService, caller: Caller, dto: object, context: FormContext): Promise<unknown>;
  /** What the person is told after it is done. */
  done: string;
}

const words = (s: string) => s.replace(/-/g, ' ');
const optional = (v: string) => (v ? v : undefined);

/**
 * The values an `@IsIn` rule of a DTO allows: the form offers exactly what the API accepts,
 * read from the one place the rule is written.
 */
export function allowedValues(dto: Type<object>, property: string): string[] {
  const rule = getMetadataStorage()
    .getTargetValidationMetadatas(dto, '', true, false)
    .find((m) => m.propertyName === property && m.name === 'isIn');
  return ((rule?.constraints?.[0] as string[] | undefined) ?? []).slice();
}

const asOptions = (values: readonly string[]): Option[] => values.map((v) => ({ value: v, text: words(v) }));

/** The line manager form's choice that clears the relation (no person id has this form). */
const NO_LINE_MANAGER = '(none)';

const CHANNELS: Option[] = [
  { value: 'email', text: 'Email' },
  { value: 'sms', text: 'Text message (SMS)' },
];

const contactFields: DirectoryField[] = [
  {
    name: 'displayName',
    label: 'Full name',
    short: 'Full name',
    type: 'text',
    autocomplete: 'off',
  },
  {
    name: 'email',
    label: 'Email address',
    short: 'Email address',
    type: 'email',
    optional: true,
    autocomplete: 'off',
    hint: 'A work address. Needed when they get alerts by email.',
  },
  {
    name: 'phone',
    label: 'Mobile phone number',
    short: 'Mobile phone number',
    type: 'tel',
    optional: true,
    width: 'govuk-input--width-20',
    autocomplete: 'off',
    hint: 'In international form, for example +447700900123. Needed when they get alerts by text message.',
  },
  {
    name: 'channels',
    label: 'How should Resolve alert them?',
    short: 'How to alert them',
    type: 'checkboxes',
    options: () => CHANNELS,
  },
  {
    name: 'smsOutOfHours',
    label: 'Send text messages outside working hours for events that are not urgent?',
    short: 'Text messages outside working hours',
    type: 'yes-no',
    optional: true,
  },
];

const channelsOf = (v: string) => (v ? v.split(',').filter(Boolean) : []);
const yesNo = (v: string) => (v === 'yes' ? true : v === 'no' ? false : undefined);

export const DIRECTORY_FORMS = {
  agency: {
    key: 'agency',
    title: 'Add an agency',
    lead: 'Add an agency of the partnership. People are then given roles in it.',
    dto: CreateAgencyDto,
    defaultField: 'id',
    fields: [
      { name: 'name', label: 'Agency name', short: 'Agency name', type: 'text' },
      {
        name: 'id',
        label: 'Directory id',
        short: 'Directory id',
        type: 'text',
        width: 'govuk-input--width-20',
        hint: 'Lower-case words joined by hyphens, for example sefton-police. It cannot be changed later.',
      },
      {
        name: 'kind',
        label: 'What kind of agency is it?',
        short: 'Kind of agency',
        type: 'radios',
        options: () => asOptions(allowedValues(CreateAgencyDto, 'kind')),
      },
    ],
    toDto: (v) => ({ id: v.id, name: v.name, kind: v.kind }),
    run: (service, caller, dto, context) =>
      service.createAgency(caller, context.partnershipId, dto as CreateAgencyDto),
    done: 'Agency added.',
  },
  person: {
    key: 'person',
    title: 'Add a person',
    lead: 'Add a professional to the directory. Give them a role afterwards: without one they see no cases.',
    dto: CreatePersonDto,
    defaultField: 'id',
    fields: [
      ...contactFields,
      {
        name: 'id',
        label: 'Directory id',
        short: 'Directory id',
        type: 'text',
        width: 'govuk-input--width-20',
        hint: 'Lower-case words joined by hyphens, for example sefton-police-officer-0042. Avoid names: it is stored in case records.',
      },
      {
        name: 'identitySubject',
        label: 'Sign-in subject',
        short: 'Sign-in subject',
        type: 'text',
        width: 'govuk-input--width-30',
        autocomplete: 'off',
        hint: "The subject (or object id) of their account at the partnership's identity provider.",
      },
    ],
    toDto: (v) => ({
      id: v.id,
      displayName: v.displayName,
      email: optional(v.email),
      phone: optional(v.phone),
      channels: channelsOf(v.channels),
      smsOutOfHours: yesNo(v.smsOutOfHours),
      identitySubject: v.identitySubject,
    }),
    initial: () => ({ channels: 'email', smsOutOfHours: 'no' }),
    run: (service, caller, dto, context) =>
      service.createPerson(caller, context.partnershipId, dto as CreatePersonDto),
    done: 'Person added.',
  },
  contact: {
    key: 'contact',
    title: 'Change contact details',
    lead: 'Change how Resolve reaches this person. An address given before stays on record: to stop alerts by email or text message, untick it.',
    dto: UpdatePersonDto,
    defaultField: 'channels',
    fields: contactFields,
    toDto: (v) => ({
      // A blank name is a mistake to name, not "no change" (the DTO's length rule says so).
      displayName: v.displayName,
      email: optional(v.email),
      phone: optional(v.phone),
      channels: channelsOf(v.channels),
      smsOutOfHours: yesNo(v.smsOutOfHours),
    }),
    initial: ({ person }) => ({
      displayName: person?.displayName ?? '',
      email: person?.email ?? '',
      phone: person?.phone ?? '',
      channels: (person?.channels ?? []).join(','),
      smsOutOfHours: person?.smsOutOfHours ? 'yes' : 'no',
    }),
    run: (service, caller, dto, context) =>
      service.updatePerson(caller, context.person!.id, dto as UpdatePersonDto),
    done: 'Contact details changed.',
  },
  'agency-role': {
    key: 'agency-role',
    title: 'Give a role in an agency',
    lead: 'A role in an agency lets the person act for it at the steps where the protocol names that role, and see those cases.',
    dto: AgencyRoleDto,
    defaultField: 'role',
    fields: [
      {
        name: 'agencyId',
        label: 'Agency',
        short: 'Agency',
        type: 'select',
        options: ({ agencies }) => agencies.map((a) => ({ value: a.id, text: a.name })),
      },
      {
        name: 'role',
        label: 'Role',
        short: 'Role',
        type: 'radios',
        options: () => asOptions([...AGENCY_ROLES, ...AGENCY_ADMINISTRATION_ROLES]),
      },
    ],
    toDto: (v) => ({ agencyId: v.agencyId, role: v.role }),
    run: (service, caller, dto, context) =>
      service.addAgencyRole(caller, context.person!.id, dto as AgencyRoleDto),
    done: 'Role requested. It is given when another partnership administrator approves it.',
  },
  'partnership-role': {
    key: 'partnership-role',
    title: 'Give a partnership role',
    lead: 'Partnership roles oversee every case of the partnership, except the administrator, which sees none.',
    dto: PartnershipRoleDto,
    defaultField: 'role',
    fields: [
      {
        name: 'role',
        label: 'Role',
        short: 'Role',
        type: 'radios',
        options: () => asOptions(PARTNERSHIP_ROLES),
      },
      {
        name: 'subGroup',
        label: 'Sub-group (optional)',
        short: 'Sub-group',
        type: 'text',
        optional: true,
        width: 'govuk-input--width-20',
        hint: 'For sub-group chairs, for example PPET',
      },
    ],
    toDto: (v) => ({ role: v.role, subGroup: optional(v.subGroup) }),
    run: (service, caller, dto, context) =>
      service.addPartnershipRole(caller, context.person!.id, dto as PartnershipRoleDto),
    done: 'Role requested. It is given when another partnership administrator approves it.',
  },
  'line-manager': {
    key: 'line-manager',
    title: 'Change line manager',
    lead: 'Where a step of the protocol says "their line manager", this is the person who acts. They must hold a role above practitioner in one of this person\'s agencies.',
    dto: LineManagerDto,
    defaultField: 'lineManagerId',
    fields: [
      {
        name: 'lineManagerId',
        label: 'Line manager',
        short: 'Line manager',
        type: 'select',
        options: ({ people, person }) => [
          { value: NO_LINE_MANAGER, text: 'No line manager' },
          ...people.filter((p) => p.id !== person?.id).map((p) => ({ value: p.id, text: p.displayName })),
        ],
      },
    ],
    // "none" clears it (null, as the API takes it); nothing chosen is left for the DTO to name.
    toDto: (v) => ({ lineManagerId: v.lineManagerId === NO_LINE_MANAGER ? null : optional(v.lineManagerId) }),
    initial: ({ person }) => ({ lineManagerId: person?.lineManagerId ?? NO_LINE_MANAGER }),
    run: (service, caller, dto, context) =>
      service.setLineManager(caller, context.person!.id, (dto as LineManagerDto).lineManagerId),
    done: 'Line manager changed.',
  },
} satisfies Record<string, DirectoryForm>;

export type DirectoryFormKey = keyof typeof DIRECTORY_FORMS;

/** A form's answers as sent: each field a trimmed string (ticked boxes joined by commas). */
export function formValues(form: DirectoryForm, body: Record<string, unknown>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const field of form.fields) {
    const raw = body[field.name];
    const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
    values[field.name] = list
      .filter((v): v is string => typeof v === 'string')
      .map((v) => v.trim())
      .filter(Boolean)
      .join(',')
      .slice(0, 1000);
  }
  return values;
}

const capitalise = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}`;

/**
 * The answers checked by the API's own request rules (the DTO's class-validator decorators, as
 * the JSON API's validation pipe applies them); each problem named against its field.
 */
export async function checkDirectoryAnswers(
  form: DirectoryForm,
  values: Record<string, string>,
): Promise<{ dto: object; errors: FieldError[] }> {
  const dto = plainToInstance(form.dto, form.toDto(values));
  const problems = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
  const errors: FieldError[] = [];
  for (const field of form.fields) {
    const problem = problems.find((p) => p.property === field.name);
    if (!problem) continue;
    const empty = !values[field.name];
    const choice = ['radios', 'checkboxes', 'select', 'yes-no'].includes(field.type);
    const message = Object.values(problem.constraints ?? {})[0] ?? 'is not valid';
    errors.push({
      name: field.name,
      text: empty
        ? `${choice ? 'Select' : 'Enter'} ${field.short.charAt(0).toLowerCase()}${field.short.slice(1)}`
        : capitalise(
            message.startsWith(field.name) ? `${field.short}${message.slice(field.name.length)}` : message,
          ),
    });
  }
  return { dto, errors };
}

/**
 * The directory service's refusal as an error on the form: "email: required when..." belongs to
 * the email field; one that names no field goes to the form's main field.
 */
export function serviceError(form: DirectoryForm, err: ApiError): FieldError {
  const match = /^([A-Za-z]+)((?: or [A-Za-z]+)*): (.*)$/.exec(err.message);
  if (match) {
    const names = [match[1], ...match[2].split(' or ').filter(Boolean)];
    const fields = names.map((n) => form.fields.find((f) => f.name === n));
    const field = fields.find(Boolean);
    const shorts = fields.map((f, i) => f?.short ?? names[i]).join(' or ');
    if (field) return { name: field.name, text: `${capitalise(shorts)}: ${match[3]}` };
  }
  return { name: form.defaultField, text: capitalise(err.message) };
}

/** Each answer as the check page shows it. */
export function answerRows(form: DirectoryForm, values: Record<string, string>, context: FormContext) {
  return form.fields.map((field) => {
    const value = values[field.name];
    const options = field.options?.(context) ?? [];
    const text =
      field.type === 'yes-no'
        ? value === 'yes'
          ? 'Yes'
          : 'No'
        : options.length
          ? channelsOf(value)
              .map((v) => options.find((o) => o.value === v)?.text ?? v)
              .join(', ')
          : value;
    return { key: { text: field.label }, value: { text: text || 'Not given' } };
  });
}
