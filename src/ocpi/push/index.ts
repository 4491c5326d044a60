/**
 * Partner pushes: the feed writes the outbox in the transaction of each change, the active charging profiles are
 * written once the station computed them, the delivery empties it.
 */
import type { DeliverySettings } from '../../config.js';
import type { OcpiContext } from '../context.js';
import { ActiveProfilePush } from './active-profiles.js';
import { OutboxDelivery } from './delivery.js';
import { PartnerPushFeed } from './feed.js';

export function startPartnerPush(ctx: OcpiContext, settings: DeliverySettings): { stop(): Promise<void> } {
  const delivery = new OutboxDelivery(ctx, settings);
  ctx.domain.changeFeed.use(new PartnerPushFeed(ctx, () => delivery.wake()));
  const activeProfiles = new ActiveProfilePush(ctx, () => delivery.wake());
  activeProfiles.start();
  delivery.start();
  return {
    stop: async () => {
      await activeProfiles.stop();
      await delivery.stop();
    },
  };
}
