import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { escalationWorkflowId, type EscalationWorkflowInput } from '@resolve/contracts';
import type { Actor } from '@resolve/domain';
import { ActionRecordsRepository, demoAgencyId, demoPersonId, seedDemoDirectory } from '@resolve/persistence';
import { getProtocol } from '@resolve/protocols';

/** Partnerships whose demonstration directory is already in a database (seeded once each). */
const seeded = new WeakMap<DataSource, Set<string>>();

/** Writes the escalation row a workflow projects into, as the API would, and returns the input. */
export async function seedEscalation(
  ds: DataSource,
  options: {
    protocolId: string;
    reference: string;
    raisedAt: Date;
    immediateRisk?: boolean;
    category?: string;
  },
): Promise<EscalationWorkflowInput> {
  const protocol = getProtocol(options.protocolId);
  const partnershipId = protocol.partnership.id;
  const done = seeded.get(ds) ?? new Set<string>();
  seeded.set(ds, done);
  if (!done.has(partnershipId)) {
    await seedDemoDirectory(ds, [{ id: partnershipId, name: protocol.partnership.name }]);
    done.add(partnershipId);
  }
  const raising = demoAgencyId(partnershipId, 'csc');
  const receiving = demoAgencyId(partnershipId, 'police');
  const escalationId = randomUUID();
  const actionId = randomUUID();
  const raiser = demoPersonId(raising, 'practitioner');
  await ds.query(
    `INSERT INTO escalation (id, reference, partnership_id, protocol_id, protocol_version, category, status, tier_number, tier_key,
       immediate_risk, urgent, raising_agency_id, receiving_agency_id, raising_person_id, receiving_person_id, raised_at, workflow_id)
     VALUES ($1,$2,$3,$4,$5,$6,'open',1,$7,$8,$8,$9,$10,$11,$12,$13,$14)`,
    [
      escalationId,
      options.reference,
      partnershipId,
      protocol.id,
      protocol.version,
      options.category ?? protocol.categories[0].id,
      protocol.tiers[0].key,
      options.immediateRisk ?? false,
      raising,
      receiving,
      raiser,
      demoPersonId(receiving, 'practitioner'),
      options.raisedAt,
      escalationWorkflowId(escalationId),
    ],
  );
  return {
    escalationId,
    reference: options.reference,
    partnershipId,
    protocol,
    raisedAt: options.raisedAt.toISOString(),
    category: options.category ?? protocol.categories[0].id,
    immediateRisk: options.immediateRisk ?? false,
    raisingAgencyId: raising,
    receivingAgencyId: receiving,
    raisedBy: { personId: raiser, agencyId: raising, role: 'practitioner', side: 'raising' },
    actionId,
  };
}

/**
 * Writes an action's record, as the API does before it sends the action: the worker applies an
 * action only when its record matches (patch authorised-actions).
 */
export async function recordAction(
  ds: DataSource,
  action: { escalationId: string; kind: string; actionId: string; actor: Actor },
): Promise<void> {
  await new ActionRecordsRepository(ds).insert({
    id: action.actionId,
    escalationId: action.escalationId,
    kind: action.kind,
    personId: action.actor.personId,
    agencyId: action.actor.agencyId,
    role: action.actor.role,
    text: null,
    payload: {},
  });
}
