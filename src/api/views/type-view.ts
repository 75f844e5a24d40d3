// How Cinder renders a volume type. Show and list use the v3 view: extra specs filtered by
// who asks (admins see all of them, others only the user-visible ones) and `qos_specs_id` for
// admins; create adds the `os-volume-type-access:is_public` attribute; update answers the
// legacy view (all specs, no access attribute). Tempest's schema of each call allows exactly that.
import type { FastifyRequest } from 'fastify';
import type { VolumeTypeRow } from '../../db/schema.js';

/** Extra specs Cinder shows to non-admins: they say what a user may rely on, not how a backend works. */
export const USER_VISIBLE_EXTRA_SPECS = ['RESKEY:availability_zones', 'multiattach', 'replication_enabled'] as const;

/** The extra specs the caller may read. */
export function visibleExtraSpecs(req: FastifyRequest, specs: Record<string, string>): Record<string, string> {
  if (req.ctx.isAdmin) return specs;
  const out: Record<string, string> = {};
  for (const k of USER_VISIBLE_EXTRA_SPECS) if (k in specs) out[k] = specs[k]!;
  return out;
}

function base(t: VolumeTypeRow) {
  return { id: t.id, name: t.name, is_public: t.isPublic === 1, description: t.description };
}

/** GET /types and GET /types/{id}. */
export function typeShowView(req: FastifyRequest, t: VolumeTypeRow, specs: Record<string, string>) {
  return {
    ...base(t),
    extra_specs: visibleExtraSpecs(req, specs),
    ...(req.ctx.isAdmin ? { qos_specs_id: t.qosSpecsId } : {}),
    'os-volume-type-access:is_public': t.isPublic === 1,
  };
}

/** POST /types (admin only). */
export function typeCreateView(t: VolumeTypeRow, specs: Record<string, string>) {
  return { ...base(t), extra_specs: specs, 'os-volume-type-access:is_public': t.isPublic === 1 };
}

/** PUT /types/{id} (admin only). */
export function typeUpdateView(t: VolumeTypeRow, specs: Record<string, string>) {
  return { ...base(t), extra_specs: specs };
}
