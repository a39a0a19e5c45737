// Right to erasure (issue 29), the use case: an erasure's id is derived from its keys (an HMAC
// under a key derived from HERALD_ADMIN_KEY, so the same keys always name the same erasure and
// the id tells nothing about them), started once, and read back as progress or report.
import { createHmac, hkdfSync } from 'node:crypto';
import { canonicalKeys, type EraseKey } from '../../core/erase';
import { ERASURE_ID_PATTERN } from '../../core/erasure-report';
import type { ErasureGateway, ErasureView } from '../temporal/erasure-gateway';
import { fromTemporal, notFound } from './errors';

export class ErasureService {
  private readonly idKey: Buffer;

  constructor(
    private readonly gateway: ErasureGateway,
    adminKey: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.idKey = Buffer.from(hkdfSync('sha256', adminKey, 'herald', 'erasure ids', 32));
  }

  /** The erasure these keys name (the same keys in any order or spelling: the same id). */
  idOf(keys: readonly EraseKey[]): string {
    const canonical = JSON.stringify(canonicalKeys(keys));
    return `era_${createHmac('sha256', this.idKey).update(canonical).digest('hex').slice(0, 24)}`;
  }

  async start(keys: readonly EraseKey[]): Promise<{ id: string }> {
    const id = this.idOf(keys);
    try {
      await this.gateway.start(id, canonicalKeys(keys), this.now().toISOString());
    } catch (err) {
      throw fromTemporal(err);
    }
    return { id };
  }

  async get(id: string): Promise<ErasureView> {
    if (!ERASURE_ID_PATTERN.test(id)) throw notFound('erasure');
    let view: ErasureView | undefined;
    try {
      view = await this.gateway.get(id);
    } catch (err) {
      throw fromTemporal(err);
    }
    if (!view) throw notFound('erasure');
    return view;
  }
}
