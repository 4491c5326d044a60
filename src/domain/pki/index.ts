/** The certificate authority service: CAs, signing, the stations' certificate inventory, OCSP, contract certificates. */
import type { PkiConfig } from './settings.js';
import type { Database } from '../../db/client.js';
import type { StationEvents } from '../station-events.js';
import type { Stations } from '../stations.js';
import { CertificateAuthority } from './authority.js';
import { ContractCertificates } from './contract-certificates.js';
import { EstSigner } from './est.js';
import { StationCertificates } from './inventory.js';
import { KeySealer } from './key-secret.js';
import { OcspChecker } from './ocsp.js';
import { CertificateRenewal } from './renewal.js';
import { LocalSigner, type Signers } from './signer.js';
import { CertificateSignings } from './signings.js';

export interface Pki {
  authority: CertificateAuthority;
  signings: CertificateSignings;
  inventory: StationCertificates;
  /** asks stations to renew the certificates Anode issued them before they expire (started by the composition root) */
  renewal: CertificateRenewal;
  ocsp: OcspChecker;
  contractCertificates: ContractCertificates;
}

export async function createPki(
  db: Database,
  deps: { stations: Stations; stationEvents: StationEvents },
  config: PkiConfig,
  onError: (error: unknown, signingId: number) => void,
): Promise<Pki> {
  const authority = await CertificateAuthority.load(db, KeySealer.from(config.keySecret, config.keySecretFile), config);
  const local = new LocalSigner(authority, config.certificateDays);
  const est = config.est && new EstSigner(config.est);
  const signerOf = (type: keyof Signers) => (est && config.est?.types.includes(type) ? est : local);
  const signers: Signers = { ChargingStationCertificate: signerOf('ChargingStationCertificate'), V2GCertificate: signerOf('V2GCertificate') };
  const inventory = new StationCertificates(db);
  return {
    authority,
    signings: new CertificateSignings(db, { ...deps, inventory, authority, signers }, { organization: config.organization, onError }),
    inventory,
    renewal: new CertificateRenewal(db, deps.stations, config.renewBeforeDays),
    ocsp: new OcspChecker(db, config.ocsp),
    contractCertificates: new ContractCertificates(config.contractProvider, deps.stationEvents),
  };
}
