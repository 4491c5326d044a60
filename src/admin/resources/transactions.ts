/** Transactions: a station's charging transactions, and one transaction with its meter values. */
import type { Domain } from '../../domain/index.js';
import type { StoredMeterValue, Transaction } from '../../domain/transactions.js';
import { iso, pageAnswer, pageOf, type AdminHandlers, type Schemas } from './shared.js';

function transactionView(transaction: Transaction): Schemas['Transaction'] {
  return {
    id: transaction.id,
    chargeStationId: transaction.stationId,
    ocppVersion: transaction.ocppVersion,
    stationTransactionId: transaction.stationTransactionId,
    evseId: transaction.evseId,
    connectorId: transaction.connectorId,
    idTag: transaction.idTag,
    authorizationStatus: transaction.authorizationStatus,
    meterStartWh: transaction.meterStartWh,
    meterStopWh: transaction.meterStopWh,
    lastMeterWh: transaction.lastMeterWh,
    startedAt: transaction.startedAt.toISOString(),
    stoppedAt: iso(transaction.stoppedAt),
    stopReason: transaction.stopReason,
  };
}

function meterValueView(sample: StoredMeterValue): Schemas['MeterValue'] {
  return {
    sampledAt: sample.sampledAt.toISOString(),
    measurand: sample.measurand,
    phase: sample.phase,
    unit: sample.unit,
    context: sample.context,
    location: sample.location,
    value: sample.value,
    rawValue: sample.rawValue,
  };
}

export function transactionsHandlers({
  stations,
  transactions,
  publicBaseUrl,
}: Pick<Domain, 'stations' | 'transactions'> & { publicBaseUrl: string }): AdminHandlers<
  'listChargeStationTransactions' | 'lookupTransaction'
> {
  return {
    listChargeStationTransactions: async ({ path, query, context }) => {
      await stations.assertRegistered(path.csId);
      return pageAnswer(context, await transactions.list(path.csId, pageOf(query)), transactionView, publicBaseUrl);
    },
    lookupTransaction: async ({ path }) => {
      const { transaction, meterValues } = await transactions.get(path.transactionId);
      return {
        status: 200,
        body: { transaction: transactionView(transaction), meterValues: meterValues.map(meterValueView) },
      };
    },
  };
}
