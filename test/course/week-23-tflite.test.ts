// Week 23 (Build a Mobile AI App with TFLite), run through the real `ailab` CLI on a CPU machine with no
// TensorFlow, no Android SDK and no phone: `ailab run week-23 --set model=file --set labels=torchvision
// --set android=none --set python=/usr/bin/python3`.
// Real: the Android project the lab writes (graded by the lab's checks; the manifest and resources parse
// as XML here), labels.txt from Debian's torchvision (1000 ImageNet classes), the lab's inspect_tflite.py
// reading the model's file format, and the lab's check_tflite.py running the app's pipeline (resize,
// [-1, 1], output sized from the model, top class from labels.txt) under /usr/bin/python3.
// Stand-ins, because TensorFlow/TFLite are not in Debian:
//   - the model: fixtures-w23/make_standin_tflite.py writes a real TFLite flatbuffer (TFL3) with
//     python3-flatbuffers: MobileNetV2's input [1,224,224,3] and output [1,1000], its 5 MB classifier
//     head, random weights (in place of Day 157's TensorFlow conversion);
//   - the interpreter: fixtures-w23/tflite_runtime (on PYTHONPATH) executes the flatbuffer's operators
//     with numpy; its answer is checked here against the same network computed with torch.
// Not run: TensorFlow's converter, Gradle and the Android build, adb and a device, the GPU delegate.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';
import {
  bundleBuilt,
  DEBIAN_PYTHON,
  type LabRun,
  problems,
  ROOT,
  runLab,
  step,
  verifyCheck,
} from './fixtures-w06-10/ailab-cli.js';

const FIXTURES = join(import.meta.dirname, 'fixtures-w23');
const ENV = { PYTHONPATH: FIXTURES, PYTHONDONTWRITEBYTECODE: '1' };
const APP = 'TFLiteClassifier/app/src/main';
const ASSETS = `${APP}/assets`;
const SRC = `${APP}/java/com/example/tfliteclassifier`;
const OFFLINE = { model: 'file', labels: 'torchvision', android: 'none', python: DEBIAN_PYTHON };

function makeModel(dir: string, classes = 1000): string {
  const out = join(dir, 'mobilenet_v2.tflite');
  execFileSync(DEBIAN_PYTHON, [join(FIXTURES, 'make_standin_tflite.py'), out, '--classes', String(classes)], {
    env: { ...process.env, ...ENV },
  });
  return out;
}

afterAll(removeTempDirs);

describe.skipIf(!bundleBuilt())('week-23 without TensorFlow or Android (model=file, android=none)', () => {
  let model: string;
  let work: string;
  let run: LabRun;

  beforeAll(async () => {
    model = makeModel(makeTempDir('ailab-w23-model-'));
    work = makeTempDir('ailab-w23-');
    run = await runLab('week-23', { workDir: work, sets: { ...OFFLINE, model_path: model }, env: ENV });
  }, 60_000);

  it('runs the steps this machine can run and passes every graded check (100%)', () => {
    expect(run.result.status, problems(run.result)).toBe('passed');
    expect(run.code).toBe(0);
    for (const id of ['project', 'model', 'labels', 'inspect', 'desktop'])
      expect(step(run.result, id).status, id).toBe('pass');
    for (const id of ['android-tools', 'build', 'install', 'point-camera'])
      expect(step(run.result, id).status, id).toBe('skip');
    for (const id of ['apk', 'installed', 'on-device', 'gpu-speedup'])
      expect(verifyCheck(run.result, id).status, id).toBe('skip');
    expect(run.result.score).toMatchObject({ earned: 12, possible: 12, passed: true });
  });

  it("read the model's file format: TFL3, input [1,224,224,3] FLOAT32, output [1,1000]", () => {
    const info = JSON.parse(readFileSync(join(work, 'model.json'), 'utf8'));
    expect(info).toMatchObject({
      identifier: 'TFL3',
      schema_version: 3,
      subgraphs: 1,
      inputs: [{ name: 'serving_default_input_1:0', shape: [1, 224, 224, 3], type: 'FLOAT32' }],
      outputs: [{ shape: [1, 1000], type: 'FLOAT32' }],
      operators: ['CONV_2D', 'FULLY_CONNECTED', 'MEAN', 'SOFTMAX'],
    });
    expect(info.weight_bytes_by_type.FLOAT32).toBeGreaterThan(5_000_000);
    const labels = readFileSync(join(work, ASSETS, 'labels.txt'), 'utf8')
      .trim()
      .split('\n');
    expect(labels).toHaveLength(1000);
    expect([labels[0], labels[258]]).toEqual(['tench', 'Samoyed']);
  });

  it("predicted what the same network computes in torch (the app's [-1, 1] pipeline)", () => {
    const log = readFileSync(join(work, 'prediction.log'), 'utf8');
    const [, label, prob] = /^Prediction: (.+) \((\d\.\d{3})\)$/m.exec(log)!;
    // The stand-in's weights, run with torch operators (NCHW; TFLite's SAME padding on a stride-2 3x3
    // convolution of 224 pixels pads 0 before and 1 after).
    const reference = execFileSync(
      DEBIAN_PYTHON,
      [
        '-c',
        [
          'import sys, numpy as np, torch, torch.nn.functional as F',
          'from PIL import Image',
          'w = {k: torch.from_numpy(v) for k, v in np.load(sys.argv[1]).items()}',
          'img = Image.open("cat.jpg").convert("RGB").resize((224, 224), Image.BILINEAR)',
          'x = torch.from_numpy(np.asarray(img, np.float32) / 127.5 - 1).permute(2, 0, 1)[None]',
          'x = F.conv2d(F.pad(x, (0, 1, 0, 1)), w["stem_w"].permute(0, 3, 1, 2), w["stem_b"], stride=2).clamp(0, 6)',
          'x = x.mean((2, 3))',
          'x = (x @ w["fc1_w"].T + w["fc1_b"]).clamp(0, 6)',
          'p = torch.softmax(x @ w["fc2_w"].T + w["fc2_b"], -1)[0]',
          'labels = open(sys.argv[2]).read().split("\\n")',
          'i = int(p.argmax())',
          'print("%s|%.3f" % (labels[i], float(p[i])))',
        ].join('\n'),
        `${model}.npz`,
        join(ASSETS, 'labels.txt'),
      ],
      { cwd: work, encoding: 'utf8' },
    ).trim();
    expect(`${label}|${prob}`).toBe(reference);
    expect(log).toMatch(/^Model: input \[1, 224, 224, 3\] float32, output 1000 classes$/m);
  }, 30_000);

  it('wrote an Android project whose manifest and resources are well-formed XML', () => {
    for (const file of [
      'AndroidManifest.xml',
      'res/layout/activity_main.xml',
      'res/values/strings.xml',
      'res/values/themes.xml',
    ]) {
      const parsed = spawnSync(
        DEBIAN_PYTHON,
        ['-c', 'import sys, xml.etree.ElementTree as ET; ET.parse(sys.argv[1])', join(work, APP, file)],
        { encoding: 'utf8' },
      );
      expect(parsed.status, `${file}: ${parsed.stderr}`).toBe(0);
    }
    const activity = readFileSync(join(work, SRC, 'MainActivity.kt'), 'utf8');
    // Every id and string the Kotlin code names exists in the resources.
    for (const [, kind, name] of activity.matchAll(/R\.(id|string|layout)\.(\w+)/g)) {
      const where =
        kind === 'string' ? 'res/values/strings.xml' : kind === 'layout' ? `res/layout/${name}.xml` : null;
      if (where)
        expect(readFileSync(join(work, APP, where), 'utf8')).toContain(kind === 'string' ? name : '');
      else
        expect(readFileSync(join(work, APP, 'res/layout/activity_main.xml'), 'utf8')).toContain(
          `@+id/${name}`,
        );
    }
    expect(activity).toMatch(/Log\.i\(TAG, "Prediction: \$label/);
  });

  describe("the course's mistakes, graded by `ailab verify` on a copy of the lab folder", () => {
    const verifyCopy = async (change: (dir: string) => void) => {
      const dir = makeTempDir('ailab-w23-verify-');
      cpSync(work, dir, { recursive: true });
      change(dir);
      const graded = await runLab('week-23', { mode: 'verify', workDir: dir, sets: OFFLINE, env: ENV });
      return Object.assign(graded, { dir });
    };

    it("the course's Classifier.kt fails the import and output-size checks", async () => {
      const graded = await verifyCopy((dir) =>
        cpSync(join(FIXTURES, 'course_Classifier.kt'), join(dir, SRC, 'Classifier.kt')),
      );
      expect(verifyCheck(graded.result, 'classifier-compiles').status).toBe('fail');
      const size = verifyCheck(graded.result, 'output-size');
      expect(size.status).toBe('fail');
      expect(size.message).toContain('content does not contain "getOutputTensor(0).shape()"');
      expect(JSON.stringify(size.assertions)).toContain('content matches /FloatArray\\\\(1001');
      expect(size.hint).toMatch(/getOutputTensor\(0\)/);
      // Partial credit for what holds (the files exist); the other checks still pass.
      expect(graded.result.score.earned).toBeGreaterThan(10);
      expect(graded.result.score.earned).toBeLessThan(11);
      expect(graded.result.status).toBe('passed');
    }, 30_000);

    it('a 1001-line labels.txt (a TF-Hub background class) fails the required labels check', async () => {
      const graded = await verifyCopy((dir) => {
        const labels = readFileSync(join(dir, ASSETS, 'labels.txt'), 'utf8');
        writeFileSync(join(dir, ASSETS, 'labels.txt'), `background\n${labels}`);
      });
      const labelsMatch = verifyCheck(graded.result, 'labels-match');
      expect(labelsMatch.status).toBe('fail');
      expect(JSON.stringify(labelsMatch)).toContain('model=1000 labels=1001');
      expect(graded.result.status).toBe('failed');
      expect(graded.code).toBe(1);
      // And the desktop check refuses to run with it, saying why.
      const desktop = spawnSync(
        DEBIAN_PYTHON,
        [
          'check_tflite.py',
          'cat.jpg',
          '--model',
          join(ASSETS, 'mobilenet_v2.tflite'),
          '--labels',
          join(ASSETS, 'labels.txt'),
        ],
        { cwd: graded.dir, encoding: 'utf8', env: { ...process.env, ...ENV } },
      );
      expect(desktop.status).toBe(1);
      expect(desktop.stderr).toContain('labels.txt has 1001 labels but the model outputs 1000 classes');
    }, 30_000);

    it('an HTML page saved as the model (curl without -f) fails the model checks, saying why', async () => {
      const graded = await verifyCopy((dir) =>
        writeFileSync(join(dir, ASSETS, 'mobilenet_v2.tflite'), '<!DOCTYPE html><html>Not Found</html>\n'),
      );
      expect(verifyCheck(graded.result, 'model-file').status).toBe('fail');
      expect(verifyCheck(graded.result, 'model-size').status).toBe('fail');
      const io = verifyCheck(graded.result, 'model-io');
      expect(io.status).toBe('fail');
      expect(JSON.stringify(io)).toMatch(/is not a TFLite model: bytes 4-7 are 'CTYP', not 'TFL3'/);
      expect(graded.result.status).toBe('failed');
    }, 30_000);

    it('an empty folder (no step done) fails the required checks', async () => {
      const empty = makeTempDir('ailab-w23-empty-');
      const graded = await runLab('week-23', { mode: 'verify', workDir: empty, sets: OFFLINE, env: ENV });
      expect(graded.result.status).toBe('failed');
      for (const id of ['model-file', 'labels-match', 'dependencies', 'prediction'])
        expect(verifyCheck(graded.result, id).status, id).toBe('fail');
      expect(verifyCheck(graded.result, 'model-file').hint).toMatch(/app\/src\/main\/assets/);
    }, 30_000);
  });

  it('a 1001-class model with a 1001-line labels file is consistent, and predicts (sizes come from the model)', () => {
    const dir = makeTempDir('ailab-w23-1001-');
    const tflite = makeModel(dir, 1001);
    const labels = readFileSync(join(work, ASSETS, 'labels.txt'), 'utf8');
    writeFileSync(join(dir, 'labels.txt'), `background\n${labels}`);
    const out = execFileSync(
      DEBIAN_PYTHON,
      [
        join(ROOT, 'templates/week-23/check_tflite.py'),
        join(work, 'cat.jpg'),
        '--model',
        tflite,
        '--labels',
        'labels.txt',
      ],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, ...ENV } },
    );
    expect(out).toMatch(/output 1001 classes/);
    expect(out).toMatch(/^Prediction: \S/m);
  }, 30_000);
});
