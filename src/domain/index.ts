/** The protocol-neutral core, assembled over one database. */
import type { Database } from '../db/client.js';
import { Certificates } from './certificates.js';
import { Locations, type LocationsSettings } from './locations.js';
import { Parties } from './parties.js';
import { Stations } from './stations.js';
import { Tokens } from './tokens.js';

export interface Domain {
  stations: Stations;
  tokens: Tokens;
  certificates: Certificates;
  parties: Parties;
  locations: Locations;
}

export function createDomain(db: Database, settings: LocationsSettings): Domain {
  return {
    stations: new Stations(db),
    tokens: new Tokens(db),
    certificates: new Certificates(db),
    parties: new Parties(db),
    locations: new Locations(db, settings),
  };
}
