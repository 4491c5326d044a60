/** OCPP 2.0.1's StatusInfo: a short reason code and the detail, cut to the schema's lengths. */
export function statusInfo(reasonCode: string, additionalInfo?: string): { reasonCode: string; additionalInfo?: string } {
  return { reasonCode: reasonCode.slice(0, 20), ...(additionalInfo && { additionalInfo: additionalInfo.slice(0, 512) }) };
}
