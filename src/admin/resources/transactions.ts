/**
 * Transactions: a station's charging transactions, one transaction with its meter values and events, the operator's
 * remote start and stop (worded for the version the station speaks) and closing a transaction its station will not end.
 */
import type { Domain } from '../../domain/index.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import { InvalidStationCallError, StationNotConnectedError } from '../../domain/station-calls.js';
import { missingSeqNos, type StoredTransactionEvent } from '../../domain/transaction-events.js';
import type { StoredMeterValue } from '../../domain/meter-samples.js';
import type { Transaction } from '../../domain/transactions.js';
import { iso, pageAnswer, pageOf, type AdminHandlers, type Schemas } from './shared.js';
import { answerStatus, connectedVersion, operateStation, type OperationDeps, type StationAnswer } from './station-operation.js';

export function transactionView(transaction: Transaction): Schemas['Transaction'] {
  return {
    id: transaction.id,
    chargeStationId: transaction.stationId,
    ocppVersion: transaction.ocppVersion,
    stationTransactionId: transaction.stationTransactionId,
    evseId: transaction.evseId,
    connectorId: transaction.connectorId,
    idTag: transaction.idTag,
    authorizationStatus: transaction.authorizationStatus,
    remoteStartId: transaction.remoteStartId,
    meterStartWh: transaction.meterStartWh,
    meterStopWh: transaction.meterStopWh,
    lastMeterWh: transaction.lastMeterWh,
    startedAt: transaction.startedAt.toISOString(),
    stoppedAt: iso(transaction.stoppedAt),
    stopReason: transaction.stopReason,
    closedBy: transaction.closedBy as Schemas['Transaction']['closedBy'],
    chargingState: transaction.chargingState,
    offline: transaction.offline,
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

function eventView(event: StoredTransactionEvent): Schemas['TransactionEvent'] {
  return {
    seqNo: event.seqNo,
    eventType: event.eventType,
    triggerReason: event.triggerReason,
    chargingState: event.chargingState,
    offline: event.offline ?? false,
    occurredAt: iso(event.occurredAt),
    receivedAt: event.receivedAt.toISOString(),
  };
}

/** What the station's answer to a start request means for the remote start (OCPI's CommandResult words). */
function startResult(answer: StationAnswer): string {
  if (answer.status === 'CallError') return 'FAILED';
  return answerStatus(answer) === 'Accepted' ? 'ACCEPTED' : 'REJECTED';
}

type TransactionOperations =
  | 'listChargeStationTransactions'
  | 'lookupTransaction'
  | 'closeTransaction'
  | 'startChargeStationTransaction'
  | 'stopChargeStationTransaction';

export function transactionsHandlers(
  deps: Pick<Domain, 'stations' | 'transactions' | 'transactionClosing' | 'remoteStarts'> & OperationDeps & { publicBaseUrl: string },
): AdminHandlers<TransactionOperations> {
  const { stations, transactions, transactionClosing, remoteStarts, publicBaseUrl } = deps;
  return {
    listChargeStationTransactions: async ({ path, query, context }) => {
      await stations.assertRegistered(path.csId);
      return pageAnswer(context, await transactions.list(path.csId, pageOf(query)), transactionView, publicBaseUrl);
    },
    lookupTransaction: async ({ path }) => {
      const { transaction, meterValues, events } = await transactions.get(path.transactionId);
      return {
        status: 200,
        body: {
          transaction: transactionView(transaction),
          meterValues: meterValues.map(meterValueView),
          events: events.map(eventView),
          missingSeqNos: missingSeqNos(events),
        },
      };
    },
    closeTransaction: async ({ path, body }) => ({
      status: 200,
      body: transactionView(await transactionClosing.closeByOperator(path.transactionId, body.reason)),
    }),
    startChargeStationTransaction: async ({ path, body }) => {
      if (!(await connectedVersion(deps, path.csId))) throw new StationNotConnectedError(`charge station ${path.csId} is not connected`);
      // Recorded before the station is asked, so that the transaction it starts is known to answer it.
      const remoteStart = await remoteStarts.recordForOperator(path.csId, body.evseId ?? 0, body.idTag);
      const { evseId, chargingProfile } = body;
      let answer: StationAnswer;
      try {
        answer = await operateStation(deps, path.csId, 'StartTransaction', {
          'ocpp1.6': () => ({
            action: 'RemoteStartTransaction',
            payload: { idTag: body.idTag, ...(evseId !== undefined && { connectorId: evseId }), ...(chargingProfile && { chargingProfile }) },
          }),
          'ocpp2.0.1': () => ({
            action: 'RequestStartTransaction',
            payload: {
              idToken: { idToken: body.idTag, type: body.idTokenType ?? 'Central' },
              remoteStartId: remoteStart.id,
              ...(evseId !== undefined && { evseId }),
              ...(chargingProfile && { chargingProfile }),
            },
          }),
        });
      } catch (error) {
        // Not sent: no transaction will answer it. Sent and unanswered: the station may still start one.
        const sent = !(error instanceof StationNotConnectedError || error instanceof InvalidStationCallError);
        await remoteStarts.settle(remoteStart.id, sent ? 'TIMEOUT' : 'FAILED');
        throw error;
      }
      await remoteStarts.settle(remoteStart.id, startResult(answer));
      return { status: 200, body: { remoteStartId: remoteStart.id, answer } };
    },
    stopChargeStationTransaction: async ({ path, body }) => {
      await stations.assertRegistered(path.csId);
      const transaction = await transactions.findOfStation(path.csId, body.transactionId);
      if (!transaction) throw new NotFoundError(`transaction ${body.transactionId} is not one of charge station ${path.csId}'s`);
      if (transaction.stoppedAt) throw new ConflictError(`transaction ${body.transactionId} has ended`);
      const answer = await operateStation(deps, path.csId, 'StopTransaction', {
        'ocpp1.6': () => ({ action: 'RemoteStopTransaction', payload: { transactionId: transaction.id } }),
        'ocpp2.0.1': () => ({
          action: 'RequestStopTransaction',
          payload: { transactionId: transaction.stationTransactionId ?? String(transaction.id) },
        }),
      });
      return { status: 200, body: answer };
    },
  };
}
