import { describe, expect, it } from 'vitest';
import { makeRedactor, REDACTED, secretEnvValues } from './redact.js';

describe('makeRedactor', () => {
  it('hides secret values, longest first, wherever they appear', () => {
    const redact = makeRedactor(['hunter2', 'hunter2-long'], {});
    expect(redact('pw=hunter2-long and hunter2.')).toBe(`pw=${REDACTED} and ${REDACTED}.`);
  });

  it('picks up secrets added later (a sudo password asked mid-run)', () => {
    const secrets: string[] = [];
    const redact = makeRedactor(secrets, {});
    expect(redact('s3cr3t!')).toBe('s3cr3t!');
    secrets.push('s3cr3t!');
    expect(redact('s3cr3t!')).toBe(REDACTED);
  });

  it('hides values of env vars whose names look secret, but not short or harmless ones', () => {
    const env = {
      HF_TOKEN: 'hf-abcdef123456',
      DB_PASSWORD: 'correct-horse',
      MY_API_KEY: 'k-0987654321',
      DEBUG_KEY: '1',
      SSH_AUTH_SOCK: '/tmp/ssh-agent.sock',
      HOME: '/root',
    };
    expect(secretEnvValues(env).sort()).toEqual(['correct-horse', 'hf-abcdef123456', 'k-0987654321']);
    const redact = makeRedactor([], env);
    expect(redact('token hf-abcdef123456 pw correct-horse home /root sock /tmp/ssh-agent.sock 1')).toBe(
      `token ${REDACTED} pw ${REDACTED} home /root sock /tmp/ssh-agent.sock 1`,
    );
  });

  it('hides credential-shaped text with no var behind it', () => {
    const redact = makeRedactor([], {});
    const key = [
      '-----BEGIN OPENSSH PRIVATE KEY-----',
      'b3BlbnNzaC1rZXktdjEAAAAABG5vbmU=',
      '-----END OPENSSH PRIVATE KEY-----',
    ].join('\n');
    expect(redact(`key:\n${key}\nend`)).toBe(`key:\n${REDACTED}\nend`);
    expect(redact('id AKIAIOSFODNN7EXAMPLE here')).toBe(`id ${REDACTED} here`);
    expect(redact('aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')).toBe(
      `aws_secret_access_key = ${REDACTED}`,
    );
    expect(redact('Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc')).toBe(
      `Authorization: Bearer ${REDACTED}`,
    );
    expect(redact(`push with ghp_${'a'.repeat(36)} now`)).toBe(`push with ${REDACTED} now`);
    // Ordinary text is left alone.
    expect(redact('Bearer of good news; AKIA is a prefix')).toBe('Bearer of good news; AKIA is a prefix');
    expect(redact('use Bearer authentication')).toBe('use Bearer authentication');
  });
});
