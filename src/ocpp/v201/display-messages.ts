/** OCPP 2.0.1 O03: the display messages a station lists after GetDisplayMessages. */
import type { components } from '../../../generated/ocpp201.js';
import type { DisplayMessageInput } from '../../domain/display-messages.js';
import type { StationContext } from '../context.js';

type Schemas = components['schemas'];

function displayMessageOf(info: Schemas['MessageInfoType']): DisplayMessageInput {
  const { format, language, content } = info.message;
  return {
    messageId: info.id,
    priority: info.priority,
    state: info.state ?? null,
    startAt: info.startDateTime ? new Date(info.startDateTime) : null,
    endAt: info.endDateTime ? new Date(info.endDateTime) : null,
    transactionId: info.transactionId ?? null,
    message: { format, content, ...(language !== undefined && { language }) },
    display: info.display
      ? {
          name: info.display.name,
          ...(info.display.instance !== undefined && { instance: info.display.instance }),
          ...(info.display.evse && { evseId: info.display.evse.id }),
          ...(info.display.evse?.connectorId !== undefined && { connectorId: info.display.evse.connectorId }),
        }
      : null,
  };
}

/** One part of the answer to GetDisplayMessages: its messages are kept as Reported, and counted on the job. */
export async function notifyDisplayMessages(
  ctx: StationContext,
  request: Schemas['NotifyDisplayMessagesRequest'],
): Promise<Schemas['NotifyDisplayMessagesResponse']> {
  const { stationId } = ctx.session;
  const messages = (request.messageInfo ?? []).map(displayMessageOf);
  await ctx.domain.displayMessages.reported(stationId, messages);
  await ctx.domain.stationJobs.part(stationId, 'DisplayMessages', request.requestId, { tbc: request.tbc ?? false }, (result) => ({
    ...result,
    messages: Number(result?.messages ?? 0) + messages.length,
    messageIds: [...((result?.messageIds as number[] | undefined) ?? []), ...messages.map(({ messageId }) => messageId)],
  }));
  return {};
}
