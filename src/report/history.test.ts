import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs } from '../../test/helpers/temp-dirs.js';
import { fixtures, run } from '../../test/report/fixtures.js';
import { UsageError } from '../errors.js';
import { findRuns, historyFileNames, listRuns, runsDir, saveRuns } from './history.js';

afterEach(removeTempDirs);

const lab = { id: 'week-03', title: 'Cloud', week: 3, file: '/labs/week-03.yaml' };
const at = (runId: string, startedAt: string) => run({ lab, runId, startedAt, finishedAt: startedAt });

describe('run history', () => {
  it('lives under AILAB_STATE_DIR/runs', () => {
    const before = process.env.AILAB_STATE_DIR;
    process.env.AILAB_STATE_DIR = '/tmp/some-state';
    try {
      expect(runsDir()).toBe('/tmp/some-state/runs');
    } finally {
      if (before === undefined) delete process.env.AILAB_STATE_DIR;
      else process.env.AILAB_STATE_DIR = before;
    }
  });

  it('names files by run id, adding the lab or the host when several results share one', () => {
    expect(historyFileNames(fixtures['two-labs'])).toEqual([
      '20261127T143000Z-abc123--week-00.json',
      '20261127T143000Z-abc123--week-04.json',
    ]);
    expect(historyFileNames(fixtures.fleet)).toEqual([
      '20261127T143000Z-abc123--gpu-a_lab.json',
      '20261127T143000Z-abc123--bob.json',
      '20261127T143000Z-abc123--gpu-c_lab.json',
    ]);
    expect(historyFileNames([at('a/../b c', '2026-01-01T00:00:00Z')])).toEqual(['a_.._b_c.json']);
  });

  it('saves runs and reads them back oldest first, skipping files that are not run reports', async () => {
    const dir = makeTempDir('ailab-history-');
    await saveRuns([at('20260102T000000Z-bbbbbb', '2026-01-02T00:00:00.000Z')], dir);
    await saveRuns([at('20260101T000000Z-aaaaaa', '2026-01-01T00:00:00.000Z')], dir);
    writeFileSync(join(dir, 'broken.json'), '{ not json');
    writeFileSync(join(dir, 'other.json'), '{"hello": "world"}');
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    const { runs, unreadable } = await listRuns(dir);
    expect(runs.map((r) => r.result.runId)).toEqual(['20260101T000000Z-aaaaaa', '20260102T000000Z-bbbbbb']);
    expect(unreadable.map((f) => f.slice(dir.length + 1)).sort()).toEqual(['broken.json', 'other.json']);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp') || n.startsWith('.'))).toEqual([]);
  });

  it('finds `last`, a run id, a unique prefix and a file name; a fleet run gives every host', async () => {
    const dir = makeTempDir('ailab-history-find-');
    await saveRuns([at('20260101T000000Z-aaaaaa', '2026-01-01T00:00:00.000Z')], dir);
    await saveRuns(
      fixtures.fleet.map((r) => ({
        ...r,
        runId: '20260105T000000Z-ffffff',
        startedAt: '2026-01-05T00:00:00.000Z',
      })),
      dir,
    );
    await saveRuns([at('20260103T000000Z-cccccc', '2026-01-03T00:00:00.000Z')], dir);

    const last = await findRuns('last', dir);
    expect(last.map((r) => r.target.uri)).toEqual(fixtures.fleet.map((r) => r.target.uri));
    expect((await findRuns('20260101T000000Z-aaaaaa', dir))[0].runId).toBe('20260101T000000Z-aaaaaa');
    expect((await findRuns('20260103', dir))[0].runId).toBe('20260103T000000Z-cccccc');
    expect(await findRuns('20260105T000000Z-ffffff--bob.json', dir)).toHaveLength(3);
    await expect(findRuns('2026010', dir)).rejects.toThrow(/matches 3 runs/);
    await expect(findRuns('nope', dir)).rejects.toThrow(UsageError);
    await expect(findRuns('last', makeTempDir('ailab-history-empty-'))).rejects.toThrow(
      /no runs in the history yet/,
    );
  });
});
