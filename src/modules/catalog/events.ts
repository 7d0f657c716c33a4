import type { LifecycleEvent } from './catalog-service.ts';

/** Events the catalogue emits (platform/events.ts has the delivery rules). */
declare module '../../platform/events.ts' {
  interface DomainEvents {
    /**
     * A product was published, deprecated or retired (after the change is stored, before gateways
     * are told to drop the product's plans): the apps module notifies subscribers and, on
     * retirement, ends their subscriptions. A subscriber's failure reaches the operator's call.
     */
    'catalog.product_lifecycle': LifecycleEvent;
  }
}
