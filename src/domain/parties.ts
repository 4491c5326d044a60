import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { ocpiParties } from '../db/schema.js';

export interface PartyRegistration {
  /** CREDENTIALS_TOKEN_A */
  token: string;
  /** the party's versions endpoint: when given, Anode starts the handshake */
  versionsUrl?: string;
  status: 'PENDING' | 'REGISTERED';
}

/** OCPI parties as the operator registers them; the OCPI wing runs the handshake from here. */
export class Parties {
  constructor(private readonly db: Database) {}

  /** Registers the party, or updates the registration that holds the same token. */
  async register(registration: PartyRegistration): Promise<number> {
    const values = {
      registrationToken: registration.token,
      versionsUrl: registration.versionsUrl ?? null,
      status: registration.status,
    };
    const [row] = await this.db
      .insert(ocpiParties)
      .values(values)
      .onConflictDoUpdate({ target: ocpiParties.registrationToken, set: { ...values, updatedAt: sql`now()` } })
      .returning({ id: ocpiParties.id });
    return row.id;
  }
}
