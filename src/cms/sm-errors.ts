/** Security-module failures seen through the CMS layer: a missing key is CMS_NO_KEY, the rest pass through. */
import { SecurityModuleError } from '../crypto/errors.js';
import { CmsError } from './errors.js';

export async function viaSecurityModule<T>(op: Promise<T>, label: string): Promise<T> {
  try {
    return await op;
  } catch (e) {
    if (e instanceof SecurityModuleError && e.code === 'SM_NO_SUCH_KEY') {
      throw new CmsError('CMS_NO_KEY', `the security module holds no key labelled ${JSON.stringify(label)}`, { cause: e });
    }
    if (e instanceof SecurityModuleError && e.code === 'SM_BAD_INPUT') {
      throw new CmsError('CMS_MALFORMED', 'the originator public key is not a point on the recipient curve', { cause: e });
    }
    throw e;
  }
}
