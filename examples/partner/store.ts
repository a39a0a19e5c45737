// The partner's local copy of the publisher's catalogue, and the memory of delivery ids it has
// already seen. In memory here; a real partner keeps both in its database.

export interface Institute {
  id: number;
  name: string;
}

export interface Training {
  id: number;
  instituteId: number;
  name: string;
  price: number;
}

/** Institutes and trainings by id, keys in ascending order so two catalogues deep-equal. */
export interface Catalog {
  institutes: Record<string, Institute>;
  trainings: Record<string, Training>;
}

function sorted<T>(map: Map<number, T>): Record<string, T> {
  return Object.fromEntries([...map.entries()].sort(([a], [b]) => a - b).map(([k, v]) => [String(k), v]));
}

export function toCatalog(institutes: Map<number, Institute>, trainings: Map<number, Training>): Catalog {
  return { institutes: sorted(institutes), trainings: sorted(trainings) };
}

export class PartnerStore {
  private readonly institutes = new Map<number, Institute>();
  private readonly trainings = new Map<number, Training>();

  upsertInstitute(institute: Institute): void {
    this.institutes.set(institute.id, institute);
  }

  /** An institute that is gone takes its trainings with it. */
  removeInstitute(id: number): void {
    this.institutes.delete(id);
    for (const t of this.trainings.values()) if (t.instituteId === id) this.trainings.delete(t.id);
  }

  upsertTraining(training: Training): void {
    this.trainings.set(training.id, training);
  }

  removeTraining(id: number): void {
    this.trainings.delete(id);
  }

  /**
   * An `import` means "all trainings of this institute were updated": the list fetched is the
   * whole truth, so local trainings of the institute missing from it are gone too.
   */
  replaceInstituteTrainings(instituteId: number, trainings: Training[]): void {
    const keep = new Set(trainings.map((t) => t.id));
    for (const t of this.trainings.values())
      if (t.instituteId === instituteId && !keep.has(t.id)) this.trainings.delete(t.id);
    for (const t of trainings) this.trainings.set(t.id, t);
  }

  snapshot(): Catalog {
    return toCatalog(this.institutes, this.trainings);
  }
}

/**
 * The `webhook-id`s already processed, oldest forgotten first. Herald resends a delivery with
 * the same id when an answer was lost, so a repeat is acknowledged and skipped. The bound keeps
 * memory flat: size it to hold the deliveries of the retry window (about 68 h with Herald's
 * default schedule) for your traffic.
 */
export class SeenDeliveries {
  private readonly ids = new Set<string>();

  constructor(private readonly limit = 10_000) {}

  /** True the first time an id is seen, false for a repeat. */
  firstTime(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    // A Set iterates in insertion order, so the first entry is the oldest.
    if (this.ids.size > this.limit) this.ids.delete(this.ids.values().next().value!);
    return true;
  }

  get size(): number {
    return this.ids.size;
  }
}
