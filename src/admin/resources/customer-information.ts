/** Customer information (OCPP 2.0.1 N09/N10): what a station holds of a customer, reported and/or cleared. */
import type { Domain } from '../../domain/index.js';
import { InvalidInputError } from '../../domain/errors.js';
import type { StationLink } from '../../domain/station-calls.js';
import type { AdminHandlers } from './shared.js';
import { startJob201 } from './v201-operation.js';

export function customerInformationHandlers(
  deps: Pick<Domain, 'stations' | 'stationJobs'> & { stationLink: StationLink },
): AdminHandlers<'requestChargeStationCustomerInformation'> {
  return {
    requestChargeStationCustomerInformation: async ({ path, body }) => {
      const { report, clear, customerIdentifier, idToken, customerCertificate } = body;
      if (!report && !clear) throw new InvalidInputError('report or clear must be true (otherwise there is nothing to ask)');
      const named = [customerIdentifier, idToken, customerCertificate].filter((identifier) => identifier !== undefined).length;
      if (named > 1) throw new InvalidInputError('name the customer by one of customerIdentifier, idToken and customerCertificate');
      // A clear alone is done when the station accepts it; a report is done with its last NotifyCustomerInformation.
      return startJob201(
        deps,
        path.csId,
        'CustomerInformation',
        'CustomerInformation',
        (requestId) => ({
          requestId,
          report,
          clear,
          ...(customerIdentifier !== undefined && { customerIdentifier }),
          ...(idToken && { idToken }),
          ...(customerCertificate && { customerCertificate }),
        }),
        (status) => status === 'Accepted' && report,
      );
    },
  };
}
