// Week 30 (Train RL Agent with Ray RLlib), the part a CPU machine without Ray can run, for real through
// `ailab run` with agent=torch install=none. Ray, RLlib and gymnasium are not in Debian and PyPI cannot be
// reached, so the lab's agent=torch path runs instead: the same train_cartpole.py and inference.py, on
// the lab's minippo.py (PPO in plain PyTorch with RLlib's calls) and cartpole_env.py (CartPole-v1 in
// NumPy with gymnasium's API), under Debian's Python with python3-torch, numpy and matplotlib, at the
// course's settings (5 iterations of 4000 steps, 20 more for the plot). Nothing is a stand-in for the
// learning: the agent is trained, saved, reloaded and played for real. Not run: Ray, RLlib, gymnasium,
// pygame, pip. The course's own scripts (fixtures-w30/course, verbatim) are graded by the lab's API check.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';
import {
  DEBIAN_PYTHON,
  type LabRun,
  problems,
  ROOT,
  runLab,
  step,
  verifyCheck,
} from './fixtures-w06-10/ailab-cli.js';

const COURSE = join(import.meta.dirname, 'fixtures-w30', 'course');
const TEMPLATES = join(ROOT, 'templates', 'week-30');
const SETS = { agent: 'torch', install: 'none', python: DEBIAN_PYTHON };

function hasTorch(): boolean {
  try {
    execFileSync(DEBIAN_PYTHON, ['-c', 'import torch, numpy, matplotlib'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function python(code: string, cwd: string): string {
  return execFileSync(DEBIAN_PYTHON, ['-c', code], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
}

describe.skipIf(!hasTorch() && !process.env.CI)(
  'week-30 on the CPU (agent=torch: minippo.py on cartpole_env.py)',
  () => {
    let run: LabRun;
    let workDir: string;

    beforeAll(async () => {
      await ensureBuilt();
      workDir = makeTempDir('ailab-week-30-');
      run = await runLab('week-30', { workDir, sets: SETS });
    }, 120_000);

    afterAll(removeTempDirs);

    it('trains, saves, reloads and plays the agent; every check passes', () => {
      expect(run.result.status, problems(run.result)).toBe('passed');
      expect(run.code).toBe(0);
      for (const id of ['train', 'inference']) expect(step(run.result, id).status, id).toBe('pass');
      for (const id of ['install', 'watch', 'ray-stopped'])
        expect(step(run.result, id).status, id).toBe('skip');
      expect(run.result.verify.filter((c) => c.status !== 'skip').map((c) => [c.id, c.status])).toEqual(
        [
          'torch',
          'learning',
          'checkpoint',
          'checkpoint-files',
          'inference',
          'inference-good',
          'plot',
          'modern-api',
        ].map((id) => [id, 'pass']),
      );
      expect(run.result.score.percent).toBeGreaterThanOrEqual(100);
    });

    it('learned: reward_mean rises from a random policy (~22) past 40 in 5 iterations of 4000 steps', () => {
      const log = readFileSync(join(workDir, 'train.log'), 'utf8');
      const means = [...log.matchAll(/^Iter: (\d+), reward_mean: ([\d.]+)$/gm)].map((m) => Number(m[2]));
      expect(means).toHaveLength(5);
      expect(means[0]).toBeLessThan(35);
      expect(means[4]).toBeGreaterThan(means[0]);
      expect(means[4]).toBeGreaterThanOrEqual(40);
      const rewards = JSON.parse(readFileSync(join(workDir, 'rewards.json'), 'utf8'));
      expect(rewards.rewards).toHaveLength(20);
      // The 20 more iterations go on from the reloaded checkpoint: they start above the first 5.
      expect(rewards.first).toBeGreaterThan(means[0]);
      expect(rewards.best).toBeGreaterThan(100);
      // A real PNG.
      expect(readFileSync(join(workDir, 'rewards.png')).subarray(1, 4).toString()).toBe('PNG');
    });

    it('saved a checkpoint whose policy, loaded on its own, balances the pole far longer than chance', () => {
      const out = python(
        [
          'import numpy as np',
          'from minippo import Algorithm',
          'import cartpole_env',
          'algo = Algorithm.from_checkpoint("checkpoints/ppo_cartpole")',
          'print("iteration", algo.iteration, "timesteps", algo.timesteps)',
          'import torch',
          'env = cartpole_env.make("CartPole-v1")',
          'rng = np.random.default_rng(0)',
          'def play(policy, episodes):',
          '    out = []',
          '    for e in range(episodes):',
          '        obs, _ = env.reset(seed=1000 + e); done = False; ret = 0',
          '        while not done:',
          '            obs, r, term, trunc, _ = env.step(policy(obs)); ret += r; done = term or trunc',
          '        out.append(ret)',
          '    return np.mean(out)',
          'greedy = lambda o: int(algo.get_module().forward_inference({"obs": torch.from_numpy(o)[None]})["action_dist_inputs"].argmax(-1)[0])',
          'print("trained %.1f random %.1f" % (play(greedy, 10), play(lambda o: int(rng.integers(2)), 200)))',
        ].join('\n'),
        workDir,
      );
      // 5 iterations saved at the checkpoint (the 20 for the plot came after), 5 x 4000 steps.
      expect(out).toMatch(/^iteration 5 timesteps 20000$/m);
      const [, trained, random] = /trained ([\d.]+) random ([\d.]+)/.exec(out)!.map(Number);
      expect(random).toBeGreaterThan(15);
      expect(random).toBeLessThan(30);
      expect(trained).toBeGreaterThan(3 * random);
    });

    it("keeps CartPole-v1's rules: 12 degrees, 2.4 m, a 500-step limit, +1 a step", () => {
      const out = python(
        [
          'import cartpole_env',
          'env = cartpole_env.make("CartPole-v1")',
          'obs, info = env.reset(seed=3)',
          'assert obs.shape == (4,) and obs.dtype.name == "float32" and abs(obs).max() <= 0.05 and info == {}',
          'steps = 0; done = False',
          'while not done:',
          '    obs, r, term, trunc, _ = env.step(1); steps += 1; done = term or trunc',
          'print("push-right", steps, term, trunc, r)',
          'env.reset(seed=3); env.state[:] = 0; env._steps = 499',
          'print("limit", env.step(0)[2:4])',
        ].join('\n'),
        TEMPLATES,
      );
      // Always pushing right tips the pole past 12 degrees in about 9-10 steps (gymnasium's CartPole does the same).
      const [, steps] = /push-right (\d+) True False 1\.0/.exec(out)!;
      expect(Number(steps)).toBeGreaterThanOrEqual(8);
      expect(Number(steps)).toBeLessThanOrEqual(12);
      expect(out).toContain('limit (False, True)');
    });

    it('fails the learning checks, with the hint, after a single iteration', async () => {
      const short = await runLab('week-30', {
        workDir: makeTempDir('ailab-week-30-short-'),
        sets: { ...SETS, iterations: 1, plot_iterations: 1 },
      });
      expect(short.result.status).toBe('failed');
      expect(step(short.result, 'train').status).toBe('fail');
      const learning = verifyCheck(short.result, 'learning');
      expect(learning.status).toBe('fail');
      expect(learning.observed).toMatch(/reward_gain/);
      expect(learning.hint).toMatch(/episode_return_mean/);
    }, 60_000);

    it("grades the course's scripts down on the API check, naming the removed calls", async () => {
      const dir = makeTempDir('ailab-week-30-course-');
      cpSync(workDir, dir, { recursive: true });
      for (const file of ['train_cartpole.py', 'inference.py'])
        copyFileSync(join(COURSE, file), join(dir, file));
      const verify = await runLab('week-30', { workDir: dir, mode: 'verify', sets: SETS });
      const api = verifyCheck(verify.result, 'modern-api');
      expect(api.status).toBe('fail');
      const said = `${api.observed}\n${api.details ?? ''}`;
      for (const call of [
        '.rollouts(num_rollout_workers=1)',
        "result['episode_reward_mean']",
        'config.build()',
        'compute_single_action',
      ])
        expect(said).toContain(call);
      expect(api.hint).toMatch(/env_runners/);
      // The earlier run's results are still there: only the API check is lost.
      expect(verify.result.verify.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual([
        'modern-api',
      ]);
    }, 30_000);

    it('fails the required checks in an empty folder, with what to run', async () => {
      const verify = await runLab('week-30', {
        workDir: makeTempDir('ailab-week-30-empty-'),
        mode: 'verify',
        sets: SETS,
      });
      expect(verify.result.status).toBe('failed');
      for (const id of ['learning', 'checkpoint', 'inference', 'plot'])
        expect(verifyCheck(verify.result, id).status, id).toBe('fail');
      expect(verifyCheck(verify.result, 'inference').hint).toMatch(/inference\.py checkpoints\/ppo_cartpole/);
    }, 30_000);
  },
);
