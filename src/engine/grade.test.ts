// grade(): points, bonus, partial credit, skipped checks, the pass mark and required checks.
import { describe, expect, it } from 'vitest';
import { check } from '../../test/report/fixtures.js';
import type { Lab } from '../spec/types.js';
import { grade } from './grade.js';

const lab = (passThreshold = 70) => ({ passThreshold }) as Lab;

describe('grade', () => {
  it('adds points earned, bonus to earned only, and leaves skipped checks out', () => {
    const score = grade(lab(), [
      check({ id: 'a', title: 'a', points: 2 }),
      check({ id: 'b', title: 'b', points: 3, status: 'fail', earned: 2 }),
      check({ id: 'c', title: 'c', points: 1, bonus: true }),
      check({ id: 'd', title: 'd', points: 5, status: 'skip' }),
    ]);
    expect(score).toEqual({ earned: 5, possible: 5, percent: 100, threshold: 70, passed: true });
  });

  it('keeps partial credit in hundredths when summed', () => {
    const thirds = [1, 2, 3].map((i) =>
      check({ id: `p${i}`, title: 'p', points: 1, status: 'fail', earned: 0.1 * i }),
    );
    expect(grade(lab(), thirds).earned).toBe(0.6);
  });

  it('fails below the pass mark, and with a failed required check whatever the score', () => {
    const half = [
      check({ id: 'a', title: 'a', points: 1 }),
      check({ id: 'b', title: 'b', points: 1, status: 'fail' }),
    ];
    expect(grade(lab(60), half)).toMatchObject({ percent: 50, passed: false });
    expect(grade(lab(50), half)).toMatchObject({ percent: 50, passed: true });
    const required = [
      check({ id: 'a', title: 'a', points: 10 }),
      check({ id: 'r', title: 'r', points: 0, required: true, status: 'error' }),
    ];
    expect(grade(lab(), required)).toMatchObject({ percent: 100, passed: false });
  });
});
