import { access } from 'node:fs/promises';
import { z } from 'zod';
import { SecurityModuleError } from './errors.js';
import { MemorySecurityModule } from './memory-module.js';
import { Pkcs11SecurityModule } from './pkcs11-module.js';
import type { SecurityModule } from './security-module.js';
import { SoftwareSecurityModule } from './software-module.js';

/**
 * The `securityModule` block of the gateway and head-end configuration files. Strict: an unknown key is an
 * error, so a misspelt option cannot silently fall back to a default.
 */
export const securityModuleConfigSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('memory') }),
  z.strictObject({
    kind: z.literal('software'),
    /** The key store file; made (with its folder) on first start. */
    path: z.string().min(1),
    passphrase: z.string().min(1),
  }),
  z.strictObject({
    kind: z.literal('pkcs11'),
    /** The PKCS#11 library; SoftHSM2's when absent. */
    library: z.string().min(1).optional(),
    /** PKCS#11 token labels are at most 32 bytes (CK_TOKEN_INFO.label). */
    tokenLabel: z
      .string()
      .min(1)
      .refine((s) => Buffer.byteLength(s, 'utf8') <= 32, 'a token label is at most 32 bytes'),
    pin: z.string().min(1),
  }),
]);

export type SecurityModuleConfig = z.infer<typeof securityModuleConfigSchema>;

/**
 * The security module a configuration names. A software store that does not exist yet is created; the PKCS#11
 * back end loads its native add-on (pkcs11js) only when opened.
 */
export async function openSecurityModule(config: SecurityModuleConfig): Promise<SecurityModule> {
  switch (config.kind) {
    case 'memory':
      return new MemorySecurityModule();
    case 'software': {
      const exists = await access(config.path).then(
        () => true,
        () => false,
      );
      if (exists) return SoftwareSecurityModule.open(config.path, config.passphrase);
      try {
        return await SoftwareSecurityModule.create(config.path, config.passphrase);
      } catch (e) {
        // Another process made it between our look and our create: open theirs.
        if (e instanceof SecurityModuleError && e.code === 'SM_STORE_EXISTS') return SoftwareSecurityModule.open(config.path, config.passphrase);
        throw e;
      }
    }
    case 'pkcs11':
      return Pkcs11SecurityModule.open(config);
  }
}
