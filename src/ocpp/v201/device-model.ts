/** OCPP 2.0.1 device model messages a station sends: reports (B07/B08) and events (N07). */
import type { components } from '../../../generated/ocpp201.js';
import type { NewDeviceEvent } from '../../domain/device-events.js';
import type { ReportedAttribute } from '../../domain/device-model.js';
import type { StationContext } from '../context.js';

type Schemas = components['schemas'];

/** The component and variable of a report datum or event, as the domain addresses them. */
function address(component: Schemas['ComponentType'], variable: Schemas['VariableType']) {
  return {
    component: component.name,
    componentInstance: component.instance,
    evseId: component.evse?.id,
    connectorId: component.evse?.connectorId,
    variable: variable.name,
    variableInstance: variable.instance,
  };
}

function reportedAttributes(datum: Schemas['ReportDataType']): ReportedAttribute[] {
  const characteristics = datum.variableCharacteristics && withoutCustomData(datum.variableCharacteristics);
  return datum.variableAttribute.map((attribute) => ({
    ...address(datum.component, datum.variable),
    attributeType: attribute.type ?? 'Actual',
    value: attribute.value,
    mutability: attribute.mutability ?? 'ReadWrite',
    persistent: attribute.persistent,
    constant: attribute.constant,
    characteristics,
  }));
}

function withoutCustomData<T extends { customData?: unknown }>(value: T): Omit<T, 'customData'> {
  const { customData: _, ...rest } = value;
  return rest;
}

/** B07/B08: one part of a base or custom report; the parts of one requestId make the report's job. */
export async function notifyReport(ctx: StationContext, request: Schemas['NotifyReportRequest']): Promise<Schemas['NotifyReportResponse']> {
  const { stationId } = ctx.session;
  const attributes = (request.reportData ?? []).flatMap(reportedAttributes);
  const stored = await ctx.domain.deviceModel.recordReported(stationId, attributes, 'NotifyReport');
  await ctx.domain.stationJobs.part(stationId, ['BaseReport', 'Report'], request.requestId, request, (result) => {
    const seqNos = [...((result?.seqNos as number[] | undefined) ?? []), request.seqNo];
    return { ...result, attributes: Number(result?.attributes ?? 0) + stored, seqNos, missingSeqNos: missing(seqNos, request.tbc) };
  });
  return {};
}

/** seqNos from 0 to the last one received that have not come (yet, while more parts are to come). */
function missing(seqNos: number[], tbc: boolean): number[] {
  const seen = new Set(seqNos);
  const last = Math.max(...seqNos);
  const gaps: number[] = [];
  for (let seqNo = 0; seqNo <= last && gaps.length < 100; seqNo += 1) if (!seen.has(seqNo)) gaps.push(seqNo);
  return tbc ? gaps.filter((seqNo) => seqNo < last) : gaps;
}

/** N07: events about components, kept per event with problems flagged. */
export async function notifyEvent(ctx: StationContext, request: Schemas['NotifyEventRequest']): Promise<Schemas['NotifyEventResponse']> {
  const events = request.eventData.map(
    (event): NewDeviceEvent => ({
      ...address(event.component, event.variable),
      eventId: event.eventId,
      occurredAt: new Date(event.timestamp),
      trigger: event.trigger,
      cause: event.cause ?? null,
      actualValue: event.actualValue,
      techCode: event.techCode ?? null,
      techInfo: event.techInfo ?? null,
      cleared: event.cleared ?? null,
      transactionId: event.transactionId ?? null,
      variableMonitoringId: event.variableMonitoringId ?? null,
      eventNotificationType: event.eventNotificationType,
    }),
  );
  await ctx.domain.deviceEvents.record(ctx.session.stationId, new Date(request.generatedAt), events);
  return {};
}
