import { cmsBench } from './cms.js';
import { dlmsBench } from './dlms.js';
import { dsmrBench } from './dsmr.js';
import { gatewayBench } from './gateway.js';
import { gatewayLogsBench } from './gateway-logs.js';
import type { Bench } from './harness.js';
import { hanBench } from './han.js';
import { headendBench } from './headend.js';
import { pkiBench } from './pki.js';
import { privacyPortalBench } from './privacy-portal.js';
import { smlBench } from './sml.js';
import { simBench } from './sim.js';
import { tafBench } from './taf.js';
import { wanBench } from './wan.js';
import { wmbusBench } from './wmbus.js';

/** Every benchmark, one line each. */
export const benches: readonly Bench[] = [
  wmbusBench,
  cmsBench,
  dlmsBench,
  dsmrBench,
  gatewayBench,
  smlBench,
  pkiBench,
  wanBench,
  headendBench,
  gatewayLogsBench,
  tafBench,
  simBench,
  hanBench,
  privacyPortalBench,
];
