// A stand-in for an OpenAI-compatible API server, for week 25's test only: CI cannot reach
// api.openai.com, and no LLM runs here. It speaks the REST protocol the lab's code and checks use, with
// OpenAI's shapes and error bodies: GET /v1/models, POST /v1/embeddings (float or base64 vectors,
// 1536 dimensions as text-embedding-3-small gives, at most 2048 inputs a request) and POST
// /v1/chat/completions. A bearer key other than the one it was started with gets OpenAI's 401
// invalid_api_key; a model it does not serve gets the 404 model_not_found.
//
// Its "LLM" is extractive and deterministic, not a language model: it reads the prompt's context and
// question and answers with the context sentences that share the most words with the question (or says
// the context does not answer it). Its embeddings are hashed words, L2-normalised, so texts that share
// words are near each other, as with a real embedding model. Every request is recorded for the test.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export const EMBED_DIM = 1536;
const CHAT_MODELS = ['gpt-4o-mini', 'gpt-4o'];
const EMBED_MODELS = ['text-embedding-3-small'];

export interface Recorded {
  method: string;
  path: string;
  auth: string | undefined;
  body: unknown;
  status: number;
}

export interface FakeOpenAI {
  port: number;
  baseUrl: string;
  requests: Recorded[];
  close(): Promise<void>;
}

const STOP = new Set(
  'a an and are as at be by for from has have in is it its of on or that the their them then these this to was what which with how why when who does do can into than so such explain difference between'.split(
    ' ',
  ),
);

function words(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((w) => !STOP.has(w));
}

function embedding(text: string): number[] {
  const v = new Float64Array(EMBED_DIM);
  for (const w of words(text)) {
    const h = createHash('sha256').update(w).digest();
    const bucket = h.readUInt32LE(0) % EMBED_DIM;
    v[bucket] += h[4] & 1 ? 1 : -1;
  }
  const norm = Math.hypot(...v) || 1;
  return Array.from(v, (x) => x / norm);
}

/** The context sentences that share the most words with the question. */
export function extractiveAnswer(prompt: string): string {
  const question = /Question:\s*([\s\S]*?)\s*(?:\nAnswer:|$)/.exec(prompt)?.[1] ?? '';
  const context = /Context:\s*([\s\S]*?)\n\s*Question:/.exec(prompt)?.[1] ?? prompt;
  const wanted = new Set(words(question));
  const sentences = context
    .split(/(?<=[.!?])\s+|\n\s*---\s*\n/)
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter((s) => s.length > 20);
  const scored = sentences
    .map((s, i) => ({ s, i, score: new Set(words(s).filter((w) => wanted.has(w))).size }))
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, 2)
    .sort((a, b) => a.i - b.i);
  if (scored.length === 0) return 'The context does not say.';
  return scored.map((x) => x.s).join(' ');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function error(
  message: string,
  code: string | null,
  type = 'invalid_request_error',
  param: string | null = null,
) {
  return { error: { message, type, param, code } };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

export async function startFakeOpenAI(apiKey: string): Promise<FakeOpenAI> {
  const requests: Recorded[] = [];
  const server: Server = createServer(async (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    let body: unknown;
    const reply = (status: number, payload: unknown) => {
      requests.push({ method: req.method ?? '', path, auth: req.headers.authorization, body, status });
      send(res, status, payload);
    };
    try {
      body = await readJson(req);
    } catch {
      reply(400, error('We could not parse the JSON body of your request.', null));
      return;
    }
    const auth = req.headers.authorization;
    if (!auth?.startsWith('Bearer ')) {
      reply(
        401,
        error(
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
          null,
        ),
      );
      return;
    }
    const key = auth.slice('Bearer '.length);
    if (key !== apiKey) {
      reply(
        401,
        error(
          `Incorrect API key provided: ${key.slice(0, 3)}*****${key.slice(-4)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
          'invalid_api_key',
        ),
      );
      return;
    }
    const b = (body ?? {}) as Record<string, unknown>;
    const model = String(b.model ?? '');
    const noModel = () =>
      reply(
        404,
        error(`The model \`${model}\` does not exist or you do not have access to it.`, 'model_not_found'),
      );

    if (req.method === 'GET' && path === '/v1/models') {
      reply(200, {
        object: 'list',
        data: [...CHAT_MODELS, ...EMBED_MODELS].map((id) => ({
          id,
          object: 'model',
          created: 1715367049,
          owned_by: 'system',
        })),
      });
    } else if (req.method === 'POST' && path === '/v1/embeddings') {
      if (!EMBED_MODELS.includes(model)) return noModel();
      const input = typeof b.input === 'string' ? [b.input] : b.input;
      if (!Array.isArray(input) || input.length === 0) {
        reply(
          400,
          error(
            "'$.input' is invalid. Please check the API reference.",
            null,
            'invalid_request_error',
            'input',
          ),
        );
        return;
      }
      if (input.length > 2048) {
        reply(
          400,
          error(
            `'$.input' is invalid: at most 2048 inputs, got ${input.length}.`,
            null,
            'invalid_request_error',
            'input',
          ),
        );
        return;
      }
      const base64 = b.encoding_format === 'base64';
      const data = input.map((text, index) => {
        const v = embedding(String(text));
        const encoded = base64 ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v;
        return { object: 'embedding', index, embedding: encoded };
      });
      const tokens = input.reduce((n: number, t) => n + words(String(t)).length, 0);
      reply(200, { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
    } else if (req.method === 'POST' && path === '/v1/chat/completions') {
      if (!CHAT_MODELS.includes(model)) return noModel();
      const messages = Array.isArray(b.messages) ? (b.messages as { role?: string; content?: string }[]) : [];
      const prompt = messages.filter((m) => m.role === 'user').at(-1)?.content;
      if (typeof prompt !== 'string') {
        reply(
          400,
          error("'messages' must contain a user message.", null, 'invalid_request_error', 'messages'),
        );
        return;
      }
      const content = extractiveAnswer(prompt);
      reply(200, {
        id: `chatcmpl-standin${requests.length}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: `${model}-2024-07-18`,
        choices: [
          { index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason: 'stop' },
        ],
        usage: {
          prompt_tokens: words(prompt).length,
          completion_tokens: words(content).length,
          total_tokens: 0,
        },
      });
    } else {
      reply(404, error(`Invalid URL (${req.method} ${path})`, null));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
