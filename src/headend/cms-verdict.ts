/** How a CMS layer failure reads at the head-end: each security verdict keeps its own code. */
import { CmsError, type CmsErrorCode } from '../cms/index.js';
import { HeadendError, type HeadendErrorCode } from './errors.js';

const BY_CMS_CODE: Readonly<Record<CmsErrorCode, HeadendErrorCode>> = {
  CMS_MALFORMED: 'HE_MALFORMED',
  CMS_UNSUPPORTED_ALGORITHM: 'HE_MALFORMED',
  CMS_BAD_ARGUMENT: 'HE_MALFORMED',
  CMS_NO_SIGNER_CERT: 'HE_BAD_SIGNATURE',
  CMS_BAD_SIGNATURE: 'HE_BAD_SIGNATURE',
  CMS_UNTRUSTED_SIGNER: 'HE_UNTRUSTED_SIGNER',
  CMS_SIGNER_REVOKED: 'HE_UNTRUSTED_SIGNER',
  CMS_WRONG_RECIPIENT: 'HE_WRONG_RECIPIENT',
  CMS_NO_KEY: 'HE_NO_KEY',
  CMS_WRONG_KEY: 'HE_WRONG_KEY',
  CMS_TAMPERED_CIPHERTEXT: 'HE_TAMPERED',
};

/** Runs a CMS operation; a CmsError comes out as the HeadendError of the same verdict, anything else unchanged. */
export async function cmsStep<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof CmsError) throw new HeadendError(BY_CMS_CODE[e.code], `${what}: ${e.code}: ${e.message}`, { cause: e });
    throw e;
  }
}
