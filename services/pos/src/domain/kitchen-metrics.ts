/**
 * The kitchen's SLO metric (k8s/slo/specs/pos.yaml `kitchen-ticket-age`): how long a kitchen
 * ticket of an order waited from its creation (the order sent) to ready (its last live item
 * bumped), a histogram in seconds per **station kind** (`printer | screen | both`).
 *
 * Emitted by the API process, where bumps happen, through the OpenTelemetry meter the process's
 * telemetry (`register.ts`) serves on `/metrics` beside the HTTP histogram; without telemetry
 * started (a test's in-process API) the global meter is a no-op. Recorded after the bump's commit
 * (`announceBump`), once per ticket: only the bump that makes it ready reports it, and a rolled
 * back bump reports nothing. Labels: `station_kind` only — never the station, branch or tenant
 * (cardinality), as the process metrics (`@faena/platform/process-metrics`) do. Cancel tickets
 * (a void after sending) are not prepared, so they are not measured.
 */
import { metrics } from '@opentelemetry/api';
import type { KitchenTicket, StationKind } from './kitchen-entities.ts';

/** As Prometheus sees it: `faena_pos_kitchen_ticket_age_seconds_{bucket,count,sum}` (the exporter adds no suffix). */
export const KITCHEN_TICKET_AGE = 'faena_pos_kitchen_ticket_age_seconds';

/** Buckets (seconds): the SLO reads `le="900"` (15 minutes); the rest draw the distribution. */
export const KITCHEN_TICKET_AGE_BUCKETS = [30, 60, 120, 300, 600, 900, 1200, 1800, 2700, 3600];

let histogram: ReturnType<ReturnType<typeof metrics.getMeter>['createHistogram']> | undefined;

/** Records a ticket that just became ready (its `readyAt` set), seconds since it was created. */
export function observeTicketReady(ticket: KitchenTicket, stationKind: StationKind): void {
  if (ticket.kind !== 'order' || !ticket.readyAt) return;
  histogram ??= metrics.getMeter('pos').createHistogram(KITCHEN_TICKET_AGE, {
    unit: 's',
    description: "Seconds from a kitchen ticket's creation (the order sent) to ready, per station kind",
    advice: { explicitBucketBoundaries: KITCHEN_TICKET_AGE_BUCKETS },
  });
  const seconds = Math.max(0, (ticket.readyAt.getTime() - ticket.createdAt.getTime()) / 1000);
  histogram.record(seconds, { station_kind: stationKind });
}
