import { ApiError } from '../common/api-error';
import { CreateAgencyDto } from '../directory/dto/directory.dto';
import {
  allowedValues,
  answerRows,
  checkDirectoryAnswers,
  DIRECTORY_FORMS,
  formValues,
  personRef,
  PERSON_REF,
  serviceError,
} from './directory-forms';

const context = { partnershipId: 'p', agencies: [], people: [] };

describe('directory forms', () => {
  it("offers exactly the agency kinds the API's DTO accepts", () => {
    const kinds = allowedValues(CreateAgencyDto, 'kind');
    expect(kinds).toContain('children-social-care');
    expect(kinds).toContain('other');
    const offered = DIRECTORY_FORMS.agency.fields.find((f) => f.name === 'kind')!.options!();
    expect(offered.map((o) => o.value)).toEqual(kinds);
  });

  it('names each missing answer, and words the DTO rule against the field it breaks', async () => {
    const empty = await checkDirectoryAnswers(DIRECTORY_FORMS.agency, formValues(DIRECTORY_FORMS.agency, {}));
    expect(empty.errors.map((e) => e.text)).toEqual([
      'Enter agency name',
      'Enter directory id',
      'Select kind of agency',
    ]);
    const person = DIRECTORY_FORMS.person;
    const bad = await checkDirectoryAnswers(
      person,
      formValues(person, {
        displayName: 'A Person',
        email: 'nope',
        phone: '07700900123',
        channels: ['email', 'sms'],
        id: 'a-person',
        identitySubject: 'sub',
      }),
    );
    expect(bad.errors).toEqual([
      { name: 'email', text: 'Email address must be an email address' },
      {
        name: 'phone',
        text: 'Mobile phone number must be a UK number in international form, e.g. +447700900123',
      },
    ]);
  });

  it('reads ticked boxes sent as repeated fields, and shows them by their labels', async () => {
    const person = DIRECTORY_FORMS.contact;
    const values = formValues(person, {
      displayName: ' A ',
      channels: ['email', 'sms'],
      smsOutOfHours: 'yes',
    });
    expect(values.channels).toBe('email,sms');
    expect(values.displayName).toBe('A');
    const { dto } = await checkDirectoryAnswers(person, values);
    expect(dto).toMatchObject({ channels: ['email', 'sms'], smsOutOfHours: true });
    const rows = answerRows(person, values, context);
    expect(rows.find((r) => r.key.text === 'How should Resolve alert them?')!.value.text).toBe(
      'Email, Text message (SMS)',
    );
  });

  it("puts the directory service's refusal against the field it names, or the form's main one", () => {
    const person = DIRECTORY_FORMS.person;
    expect(
      serviceError(person, new ApiError('conflict', 'id or identitySubject: already used by another person')),
    ).toEqual({ name: 'id', text: 'Directory id or Sign-in subject: already used by another person' });
    expect(
      serviceError(
        DIRECTORY_FORMS['partnership-role'],
        new ApiError('forbidden', 'an administrator cannot grant a role to their own account'),
      ),
    ).toEqual({ name: 'role', text: 'An administrator cannot grant a role to their own account' });
  });

  it('clears a line manager with "none", and leaves an unchosen one for the DTO to name', async () => {
    const form = DIRECTORY_FORMS['line-manager'];
    const none = await checkDirectoryAnswers(form, { lineManagerId: '(none)' });
    expect(none).toEqual({ dto: expect.objectContaining({ lineManagerId: null }), errors: [] });
    const unchosen = await checkDirectoryAnswers(form, { lineManagerId: '' });
    expect(unchosen.errors).toEqual([{ name: 'lineManagerId', text: 'Select line manager' }]);
  });

  it('names a person in addresses by a reference that does not spell their id', () => {
    const ref = personRef('sefton-police-dci-jones');
    expect(ref).toMatch(PERSON_REF);
    expect(ref).not.toMatch(/jones/i);
    expect(personRef('sefton-police-dci-jones')).toBe(ref);
  });
});
