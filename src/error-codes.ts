import { CLI_ERROR_CODES, RETIRED_CLI_ERROR_CODES } from './cli/errors.js';
import { CMS_ERROR_CODES, RETIRED_CMS_ERROR_CODES } from './cms/errors.js';
import { CODEC_ERROR_CODES, RETIRED_CODEC_ERROR_CODES } from './protocols/errors.js';
import { GATEWAY_ERROR_CODES, RETIRED_GATEWAY_ERROR_CODES } from './gateway/errors.js';
import { HEADEND_ERROR_CODES, RETIRED_HEADEND_ERROR_CODES } from './headend/errors.js';
import { PKI_ERROR_CODES, RETIRED_PKI_ERROR_CODES } from './pki/errors.js';
import { RETIRED_SECURITY_MODULE_ERROR_CODES, SECURITY_MODULE_ERROR_CODES } from './crypto/errors.js';
import { RETIRED_STORE_ERROR_CODES, STORE_ERROR_CODES } from './store/errors.js';
import { RETIRED_SIM_ERROR_CODES, SIM_ERROR_CODES } from './sim/errors.js';
import { RETIRED_TLS_PROFILE_ERROR_CODES, TLS_PROFILE_ERROR_CODES } from './wan/errors.js';

/** Every error class of the project with its closed code set; the registry test checks docs/errors.md against it. */
export const ERROR_REGISTRIES: ReadonlyArray<{
  readonly errorClass: string;
  readonly prefix: string;
  readonly codes: Readonly<Record<string, string>>;
  readonly retired: readonly string[];
}> = [
  { errorClass: 'CodecError', prefix: 'CODEC_', codes: CODEC_ERROR_CODES, retired: RETIRED_CODEC_ERROR_CODES },
  { errorClass: 'CliError', prefix: 'CLI_', codes: CLI_ERROR_CODES, retired: RETIRED_CLI_ERROR_CODES },
  { errorClass: 'CmsError', prefix: 'CMS_', codes: CMS_ERROR_CODES, retired: RETIRED_CMS_ERROR_CODES },
  { errorClass: 'PkiError', prefix: 'PKI_', codes: PKI_ERROR_CODES, retired: RETIRED_PKI_ERROR_CODES },
  { errorClass: 'SecurityModuleError', prefix: 'SM_', codes: SECURITY_MODULE_ERROR_CODES, retired: RETIRED_SECURITY_MODULE_ERROR_CODES },
  { errorClass: 'StoreError', prefix: 'STORE_', codes: STORE_ERROR_CODES, retired: RETIRED_STORE_ERROR_CODES },
  { errorClass: 'GatewayError', prefix: 'GW_', codes: GATEWAY_ERROR_CODES, retired: RETIRED_GATEWAY_ERROR_CODES },
  { errorClass: 'TlsProfileError', prefix: 'WAN_', codes: TLS_PROFILE_ERROR_CODES, retired: RETIRED_TLS_PROFILE_ERROR_CODES },
  { errorClass: 'SimError', prefix: 'SIM_', codes: SIM_ERROR_CODES, retired: RETIRED_SIM_ERROR_CODES },
  { errorClass: 'HeadendError', prefix: 'HE_', codes: HEADEND_ERROR_CODES, retired: RETIRED_HEADEND_ERROR_CODES },
];
