export { type Result, ok, err } from './result.js';
export { CodecError, type CodecErrorCode, type CodecLayer, CODEC_ERROR_CODES } from './protocols/errors.js';
export type { DecodedFrame, MeterIdentity, Protocol, Reading, ReadingValue, SecurityVerdict, ValueFunction } from './protocols/reading.js';
export type { DecodeKeys, DecodeSession, FrameDecoder } from './protocols/decoder.js';
export { type ObisCode, formatObis, obisFromBytes, parseObis } from './protocols/obis/index.js';
export * as wmbus from './protocols/wmbus/index.js';
export { type WmbusTelegram, WmbusSession, decodeTelegram, wmbusFrameDecoder } from './protocols/wmbus/index.js';
export { AesCmac, aesCmac } from './crypto/cmac.js';
export { OMS_DERIVATION, omsKdfA } from './crypto/kdf.js';
export * as dlms from './protocols/dlms/index.js';
export { decipherGeneralGlo, type GeneralGloPlaintext, dlmsFrameDecoder } from './protocols/dlms/index.js';
export * as dsmr from './protocols/dsmr/index.js';
export { type DsmrTelegram, DsmrStreamReader, DsmrTelegramParser, EncryptedP1Decoder, decryptP1, dsmrFrameDecoder, interpretTelegram, parseTelegram } from './protocols/dsmr/index.js';
export * as sml from './protocols/sml/index.js';
export { type SmlFile, SmlStreamReader, decodeSml, smlFrameDecoder, smlReadings } from './protocols/sml/index.js';
export { CliError, type CliErrorCode } from './cli/errors.js';
export { PkiError, type PkiErrorCode, PKI_ERROR_CODES } from './pki/errors.js';
export { CmsError, type CmsErrorCode, CMS_ERROR_CODES } from './cms/errors.js';
export {
  type ContentEncryption,
  type ProtectOptions,
  type ResignOptions,
  type Trust,
  type TrustCheck,
  type Unprotected,
  type UnprotectOptions,
  protect,
  resign,
  unprotect,
  verifySigned,
} from './cms/index.js';
export {
  type CertUsage,
  type PartyCredentials,
  type PkiDir,
  type Role,
  moduleSigningKey,
  openPkiDir,
  partyOf,
  securityModuleCrypto,
  validateChain,
} from './pki/index.js';
export {
  type Curve,
  type HashName,
  type KeyInfo,
  type SecurityModule,
  type SecurityModuleConfig,
  type SecurityModuleErrorCode,
  type TlsKeyOptions,
  MemorySecurityModule,
  Pkcs11SecurityModule,
  SECURITY_MODULE_ERROR_CODES,
  SecurityModuleError,
  SoftwareSecurityModule,
  openSecurityModule,
  securityModuleConfigSchema,
  secureContextKeyOptions,
} from './crypto/index.js';
export * as wan from './wan/index.js';
export { TlsProfileError, type TlsProfileErrorCode, TLS_PROFILE_ERROR_CODES } from './wan/errors.js';
export { GatewayError, type GatewayErrorCode, GATEWAY_ERROR_CODES } from './gateway/errors.js';
export * as gateway from './gateway/index.js';
export { type GatewayConfig, type IngestOutcome, Ingestor, OutboxSender, loadGatewayConfig, startGateway } from './gateway/index.js';
export * as gatewayLogs from './gateway/logs/index.js';
export { GatewayLogs, type LogName, type LogVerdict, verifyLog } from './gateway/logs/index.js';
export * as taf from './gateway/taf/index.js';
export { type Contract, type TafMessage, type TafState, applyContract, initialState, needsConsent, parseContract, requestReading } from './gateway/taf/index.js';
export * as han from './gateway/han/index.js';
export { type HanPortal, type HanPortalOptions, addConsumerAccount, issuePortalCertificate, startHanPortal } from './gateway/han/index.js';
export * as gatewayPrivacy from './gateway/privacy/index.js';
export * as sim from './sim/index.js';
export { createFleet, decodeKeysOf, frameAt, SimError, type SimErrorCode, SIM_ERROR_CODES, type SimMeter, startFeed } from './sim/index.js';
export { HeadendError, type HeadendErrorCode, HEADEND_ERROR_CODES } from './headend/errors.js';
export * as headend from './headend/index.js';
export { type HeadendConfig, type RunningHeadend, loadHeadendConfig, startHeadend } from './headend/index.js';
