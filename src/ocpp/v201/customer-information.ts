/** OCPP 2.0.1 N09/N10: what a station holds of a customer, sent in parts after CustomerInformation. */
import type { components } from '../../../generated/ocpp201.js';
import type { StationContext } from '../context.js';

type Schemas = components['schemas'];

interface Part {
  seqNo: number;
  generatedAt: string;
  data: string;
}

/** Each part is kept in seqNo order; the job's `data` is their text joined, whole once the last part has come. */
export async function notifyCustomerInformation(
  ctx: StationContext,
  request: Schemas['NotifyCustomerInformationRequest'],
): Promise<Schemas['NotifyCustomerInformationResponse']> {
  const part: Part = { seqNo: request.seqNo, generatedAt: request.generatedAt, data: request.data };
  await ctx.domain.stationJobs.part(ctx.session.stationId, 'CustomerInformation', request.requestId, request, (result) => {
    const parts = [...((result?.parts as Part[] | undefined) ?? []).filter(({ seqNo }) => seqNo !== part.seqNo), part];
    parts.sort((a, b) => a.seqNo - b.seqNo);
    return { ...result, data: parts.map(({ data }) => data).join(''), parts };
  });
  return {};
}
