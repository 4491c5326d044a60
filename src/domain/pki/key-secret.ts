/**
 * The private keys of Anode's own CAs are kept in the database encrypted (AES-256-GCM) with a key derived from the
 * PKI key secret: PKI_KEY_SECRET, or a secret Anode generates once into its data directory.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class KeySecretError extends Error {}

export class KeySealer {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHash('sha256').update(`anode-pki-key:${secret}`).digest();
  }

  /** `secret` from configuration; else the one kept in `file`, made there when missing; else one for this process. */
  static from(secret: string | undefined, file: string | undefined): KeySealer {
    if (secret) return new KeySealer(secret);
    if (!file) return new KeySealer(randomBytes(32).toString('base64'));
    if (!existsSync(file)) createSecretFile(file);
    chmodSync(file, 0o600);
    return new KeySealer(readFileSync(file, 'utf8').trim());
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join('.');
  }

  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || !body) throw new KeySecretError('a stored CA key is not in a form Anode knows');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new KeySecretError('a stored CA key cannot be decrypted: PKI_KEY_SECRET (or the data directory\'s pki-secret) is not the one it was stored with');
    }
  }
}

/** Written whole under another name and then linked into place, so processes starting together agree on one secret. */
function createSecretFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, randomBytes(32).toString('base64'), { mode: 0o600 });
  try {
    linkSync(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(draft);
  }
}
