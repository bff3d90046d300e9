import { describe, expect, it } from 'vitest';
import { CliError } from './cli/errors.js';
import { CmsError } from './cms/errors.js';
import { CodedError } from './coded-error.js';
import { SecurityModuleError } from './crypto/errors.js';
import { ERROR_REGISTRIES } from './error-codes.js';
import { GatewayError } from './gateway/errors.js';
import { HeadendError } from './headend/errors.js';
import { PkiError } from './pki/errors.js';
import { CodecError } from './protocols/errors.js';
import { SimError } from './sim/errors.js';
import { StoreError } from './store/errors.js';
import { TlsProfileError } from './wan/errors.js';

const cause = new Error('secret detail of the cause');
// One error of each registered class, with a code of its own set.
const samples: readonly CodedError<string>[] = [
  new CodecError('CODEC_WRONG_KEY', 'tpl', 'wrong key', 12),
  new CliError('CLI_USAGE', 'bad usage'),
  new CmsError('CMS_BAD_SIGNATURE', 'forged', { cause }),
  new PkiError('PKI_REVOKED', 'revoked', 'CN=gw1'),
  new SecurityModuleError('SM_NO_SUCH_KEY', 'no key'),
  new StoreError('STORE_QUERY', 'store down', { cause }),
  new GatewayError('GW_REPLAY', 'replayed', { cause }),
  new TlsProfileError('WAN_PEER_POLICY', 'wrong curve'),
  new SimError('SIM_BAD_OPTION', 'bad seed'),
  new HeadendError('HE_UNKNOWN_EMT', 'no such participant', { cause }),
];

describe('CodedError', () => {
  it('is the base of every registered error class, whose name is its class name', () => {
    expect(samples.map((e) => e.name).sort()).toEqual(ERROR_REGISTRIES.map((r) => r.errorClass).sort());
    for (const e of samples) {
      expect(e).toBeInstanceOf(CodedError);
      expect(e).toBeInstanceOf(Error);
      expect(e.name).toBe(e.constructor.name);
      expect(String(e)).toBe(`${e.name}: ${e.message}`);
    }
  });

  it('keeps the cause for the operator, but its JSON holds code and message (plus a class field) and never cause or stack', () => {
    const gw = samples.find((e) => e instanceof GatewayError)!;
    expect(gw.cause).toBe(cause);
    for (const e of samples) {
      const json = JSON.stringify(e);
      expect(JSON.parse(json)).toMatchObject({ code: e.code, message: e.message });
      expect(json).not.toContain('secret detail');
      expect(json).not.toContain('stack');
    }
    expect(JSON.parse(JSON.stringify(samples[0]))).toEqual({ code: 'CODEC_WRONG_KEY', layer: 'tpl', message: 'wrong key', offset: 12 });
    expect(JSON.parse(JSON.stringify(samples[3]))).toEqual({ code: 'PKI_REVOKED', message: 'revoked', subject: 'CN=gw1' });
  });
});
