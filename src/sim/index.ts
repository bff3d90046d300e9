export { type DlmsMeterSpec, DlmsMeter, dlmsValues } from './dlms-meter.js';
export { type DsmrEncryption, type DsmrMeterSpec, type DsmrValues, DsmrMeter, dsmrTimestamp } from './dsmr-meter.js';
export { RETIRED_SIM_ERROR_CODES, SIM_ERROR_CODES, SimError, type SimErrorCode } from './errors.js';
export { type Feed, type FeedOptions, type FeedStats, isLoopback, MAX_FEED_MS, startFeed } from './feed.js';
export { type FleetCounts, type FleetOptions, type MeterRegistration, createFleet, decodeKeysOf, frameAt, MAX_PER_KIND, registrationOf } from './fleet.js';
export { counterAt, type SimFrame, type SimMeter } from './meter.js';
export { SeededRandom } from './prng.js';
export {
  createProfile,
  type ElectricitySample,
  type HeatSample,
  type Medium,
  type PhaseSample,
  type Profile,
  PROFILE_ORIGIN_MS,
  type ProfileSample,
  type ProfileSpec,
  registerSteps,
  TARIFF_WINDOWS,
  valueSteps,
  type VolumeSample,
} from './profiles.js';
export { type SmlMeterSpec, type SmlValues, SmlMeter, wrapSmlFile } from './sml-meter.js';
export { encodeTypeF, type WmbusMeterSpec, type WmbusMode, type WmbusRecordValue, WmbusMeter } from './wmbus-meter.js';
