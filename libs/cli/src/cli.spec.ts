import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { getProtocol } from '@resolve/protocols';
import { runCli } from './cli';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** Runs a command as a function and captures what it prints. */
function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = runCli(argv, { out: (t) => (stdout += t), err: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

function runJson(...argv: string[]) {
  const r = run(...argv, '--json');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout.trim().split('\n')).toHaveLength(1);
  return JSON.parse(r.stdout);
}

describe('calendar add-working-days', () => {
  it('prints the due instant as one JSON object', () => {
    expect(
      runJson(
        'calendar',
        'add-working-days',
        '--from',
        '2025-12-31T10:00:00Z',
        '--days',
        '2',
        '--nation',
        'scotland',
      ),
    ).toEqual({
      dueAt: '2026-01-06T17:00:00.000Z',
    });
  });

  it('counts England and Wales by default', () => {
    expect(runJson('calendar', 'add-working-days', '--from', '2025-12-31T10:00:00Z', '--days', '2')).toEqual({
      dueAt: '2026-01-05T17:00:00.000Z',
    });
  });

  it('explains the deadline in a sentence without --json', () => {
    const r = run(
      'calendar',
      'add-working-days',
      '--from',
      '2025-12-31T10:00:00Z',
      '--days',
      '2',
      '--nation',
      'scotland',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Due Tue 6 Jan 17:00: 2 working days from Wed 31 Dec 10:00; Thu 1 Jan');
    expect(r.stdout).toContain('2026-01-06T17:00:00.000Z');
    expect(r.stdout).toContain('Scotland bank holidays');
  });

  it.each([
    [['--days', '2'], '--from is required'],
    [['--from', '2025-12-31T10:00:00Z'], '--days is required'],
    [
      ['--from', '2025-12-31', '--days', '2'],
      '--from "2025-12-31" is not an ISO-8601 date-time with an offset',
    ],
    [['--from', '2025-12-31T10:00:00', '--days', '2'], 'is not an ISO-8601 date-time with an offset'],
    [['--from', '2026-02-30T10:00:00Z', '--days', '2'], 'is not a calendar date'],
    [['--from', '2025-12-31T10:00:00Z', '--days', 'two'], '--days "two" must be a whole number'],
    [['--from', '2025-12-31T10:00:00Z', '--days', '-1'], '--days'],
    [
      ['--from', '2025-12-31T10:00:00Z', '--days', '2', '--nation', 'wales'],
      '--nation "wales" must be one of england-and-wales, scotland, northern-ireland',
    ],
    [['--from', '2025-12-31T10:00:00Z', '--days', '2', '--colour', 'red'], "Unknown option '--colour'"],
    [['--from', '1900-01-01T10:00:00Z', '--days', '2'], 'outside the supported years'],
    [['--from', '2200-01-01T10:00:00Z', '--days', '2'], 'outside the bank holiday data'],
  ])('refuses bad arguments %j with exit code 2 and a message naming them', (args, message) => {
    const r = run('calendar', 'add-working-days', ...args, '--json');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('refuses an unknown subcommand', () => {
    const r = run('calendar', 'add-hours');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('calendar: unknown subcommand "add-hours"');
  });
});

describe('timeline', () => {
  it('prints the Sefton golden timeline as one JSON object', () => {
    expect(runJson('timeline', '--protocol', 'sefton-sscp', '--from', '2026-05-18T09:30:00+01:00')).toEqual({
      protocol: 'sefton-sscp',
      tiers: [
        {
          tier: 1,
          key: 'professional-to-professional',
          startsAt: '2026-05-18T08:30:00.000Z',
          dueAt: '2026-05-20T16:00:00.000Z',
        },
        {
          tier: 2,
          key: 'manager-to-manager',
          startsAt: '2026-05-20T16:00:00.000Z',
          dueAt: '2026-05-22T16:00:00.000Z',
        },
        {
          tier: 3,
          key: 'head-of-service-to-head-of-service',
          startsAt: '2026-05-22T16:00:00.000Z',
          dueAt: '2026-05-27T16:00:00.000Z',
        },
        {
          tier: 4,
          key: 'independently-chaired-meeting',
          startsAt: '2026-05-27T16:00:00.000Z',
          dueAt: '2026-06-03T16:00:00.000Z',
        },
      ],
    });
  });

  it('takes the urgent route with --urgent and the learning referral without', () => {
    const from = ['--protocol', 'lincolnshire-lscp', '--from', '2026-04-02T10:00:00+01:00'];
    const urgent = runJson('timeline', ...from, '--urgent').tiers.at(-1);
    const nonUrgent = runJson('timeline', ...from).tiers.at(-1);
    expect(urgent).toEqual({
      tier: 4,
      key: 'independent-chaired-meeting',
      startsAt: '2026-04-15T16:00:00.000Z',
      dueAt: '2026-04-16T16:00:00.000Z',
    });
    expect(nonUrgent).toEqual({
      tier: 4,
      key: 'learning-referral',
      startsAt: '2026-04-15T16:00:00.000Z',
      dueAt: null,
    });
  });

  it('starts at the fast-track tier with --immediate-risk', () => {
    const tiers = runJson(
      'timeline',
      '--protocol',
      'bscb',
      '--from',
      '2026-04-02T09:00:00Z',
      '--immediate-risk',
    ).tiers;
    expect(tiers.map((t: { tier: number }) => t.tier)).toEqual([2, 3, 4]);
  });

  it('prints each tier with its explanation without --json', () => {
    const r = run('timeline', '--protocol', 'sefton-sscp', '--from', '2026-05-18T08:30:00Z');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      '3. head-of-service-to-head-of-service: from Fri 22 May 17:00, due Wed 27 May 17:00',
    );
    expect(r.stdout).toContain('Mon 25 May Spring bank holiday is a bank holiday');
  });

  it('reads a draft protocol file with --file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    try {
      const draft = { ...JSON.parse(JSON.stringify(getProtocol('sefton-sscp'))), id: 'sefton-draft' };
      draft.tiers[0].timescale.amount = 3;
      writeFileSync(join(dir, 'sefton-draft.json'), JSON.stringify(draft));
      const out = runJson(
        'timeline',
        '--file',
        join(dir, 'sefton-draft.json'),
        '--from',
        '2026-05-18T08:30:00Z',
      );
      expect(out.protocol).toBe('sefton-draft');
      expect(out.tiers[0].dueAt).toBe('2026-05-21T16:00:00.000Z');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [['--from', '2026-05-18T08:30:00Z'], '--protocol is required'],
    [['--protocol', 'sefton-sscp'], '--from is required'],
    [
      ['--protocol', 'nowhere', '--from', '2026-05-18T08:30:00Z'],
      'Unknown protocol "nowhere". Known protocols: bscb, demo,',
    ],
    [['--protocol', 'sefton-sscp', '--from', 'tomorrow'], '--from "tomorrow"'],
    [
      ['--protocol', 'sefton-sscp', '--file', 'x.json', '--from', '2026-05-18T08:30:00Z'],
      'give --protocol or --file, not both',
    ],
    [
      ['--file', '/nonexistent/x.json', '--from', '2026-05-18T08:30:00Z'],
      'x.json: cannot read: no such file',
    ],
    [['--protocol', 'sefton-sscp', '--from', '2026-05-18T08:30:00Z', 'extra'], "Unexpected argument 'extra'"],
  ])('refuses bad arguments %j with exit code 2', (args, message) => {
    const r = run('timeline', ...args, '--json');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
  });
});

describe('protocols', () => {
  it('lists the shipped protocols', () => {
    const { protocols } = runJson('protocols', 'list');
    expect(protocols.map((p: { id: string }) => p.id)).toEqual([
      'bscb',
      'demo',
      'lincolnshire-joint-adults',
      'lincolnshire-joint-children',
      'lincolnshire-joint-s117',
      'lincolnshire-lscp',
      'sefton-sscp',
      'sutton-cp-conference',
      'sutton-lscp',
      'sutton-strategic',
    ]);
    expect(protocols.find((p: { id: string }) => p.id === 'lincolnshire-lscp')).toMatchObject({
      audience: 'children',
      tiers: 4,
    });
  });

  it('validates every shipped definition by default', () => {
    const out = runJson('protocols', 'validate');
    expect(out.valid).toBe(true);
    expect(out.files).toHaveLength(10);
  });

  describe('validate with files', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'cli-'));
      const good = JSON.parse(JSON.stringify(getProtocol('bscb')));
      const bad = JSON.parse(JSON.stringify(getProtocol('sefton-sscp')));
      bad.tiers[1].timescale.amount = 0;
      writeFileSync(join(dir, 'bscb.json'), JSON.stringify(good));
      writeFileSync(join(dir, 'sefton-sscp.json'), JSON.stringify(bad));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('reports each bad field and exits 1', () => {
      const r = run('protocols', 'validate', join(dir, 'bscb.json'), join(dir, 'sefton-sscp.json'), '--json');
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout)).toEqual({
        valid: false,
        files: [
          { file: join(dir, 'bscb.json'), valid: true, id: 'bscb' },
          {
            file: join(dir, 'sefton-sscp.json'),
            valid: false,
            errors: ['sefton-sscp.json: tiers[1].timescale.amount: must be a positive integer'],
          },
        ],
      });
      const human = run('protocols', 'validate', join(dir, 'sefton-sscp.json'));
      expect(human.code).toBe(1);
      expect(human.stdout).toContain(
        '  sefton-sscp.json: tiers[1].timescale.amount: must be a positive integer',
      );
    });

    it('refuses a file that does not exist with exit code 2', () => {
      const r = run('protocols', 'validate', join(dir, 'absent.json'));
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('absent.json: no such file');
    });
  });

  it('refuses an unknown subcommand', () => {
    const r = run('protocols', 'delete');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('protocols: unknown subcommand "delete"');
  });
});

describe('runCli', () => {
  it('prints usage on stderr with exit code 2 when no command is given, on stdout for help', () => {
    const none = run();
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: npm run -s cli -- <command>');
    const help = run('help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('calendar add-working-days');
  });

  it('refuses an unknown command', () => {
    const r = run('frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "frobnicate"');
  });
});

describe('npm run -s cli (spawned)', () => {
  const exec = promisify(execFile);
  jest.setTimeout(60_000);

  it('adds 2 Scottish working days to 31 Dec 2025 10:00Z: Tue 6 Jan 2026 17:00Z', async () => {
    const { stdout } = await exec(
      'npm',
      [
        'run',
        '-s',
        'cli',
        '--',
        'calendar',
        'add-working-days',
        '--from',
        '2025-12-31T10:00:00Z',
        '--days',
        '2',
        '--nation',
        'scotland',
        '--json',
      ],
      { cwd: REPO_ROOT },
    );
    expect(JSON.parse(stdout)).toEqual({ dueAt: '2026-01-06T17:00:00.000Z' });
  });

  it('exits 2 with a message and no stack trace on bad arguments', async () => {
    const failure = await exec(
      'npm',
      [
        'run',
        '-s',
        'cli',
        '--',
        'timeline',
        '--protocol',
        'nowhere',
        '--from',
        '2026-05-18T08:30:00Z',
        '--json',
      ],
      {
        cwd: REPO_ROOT,
      },
    ).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect('code' in failure && failure.code).toBe(2);
    expect(failure.stdout).toBe('');
    expect(failure.stderr).toContain('Unknown protocol "nowhere"');
    expect(failure.stderr).not.toMatch(/\n\s+at /);
  });
});
