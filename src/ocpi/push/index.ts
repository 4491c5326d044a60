/** Partner pushes: the feed writes the outbox in the transaction of each change, the delivery empties it. */
import type { DeliverySettings } from '../../config.js';
import type { OcpiContext } from '../context.js';
import { OutboxDelivery } from './delivery.js';
import { PartnerPushFeed } from './feed.js';

export function startPartnerPush(ctx: OcpiContext, settings: DeliverySettings): { stop(): Promise<void> } {
  const delivery = new OutboxDelivery(ctx, settings);
  ctx.domain.changeFeed.use(new PartnerPushFeed(ctx, () => delivery.wake()));
  delivery.start();
  return { stop: () => delivery.stop() };
}
