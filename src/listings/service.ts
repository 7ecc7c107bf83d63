import type { NewListingRow, ListingRow } from '../db/schema.ts';
import { contentHash } from '../embedding/text.ts';
import { AppError, notFound } from '../http/errors.ts';
import type { JobQueue } from '../queue/contract.ts';
import { uuidv7 } from '../util/ids.ts';
import type { Logger } from '../log.ts';
import type { ListingRepo } from './repo.ts';
import type { BulkItemResult, Listing, ListingInput, ListingPatch, Side } from './schemas.ts';

/** Listing rows as the API shows them. */
export function toListing(r: ListingRow): Listing {
  return {
    id: r.id,
    side: r.side,
    title: r.title,
    description: r.description,
    keywords: r.keywords,
    industry: r.industry,
    regionCode: r.regionCode,
    maturity: r.maturity,
    cooperationModes: r.cooperationModes,
    price: { min: r.priceMin, max: r.priceMax },
    ipType: r.ipType,
    confidentiality: r.confidentiality,
    status: r.status,
    organisationId: r.organisationId,
    source: r.source,
    externalId: r.externalId,
    embeddingStatus: r.embeddingStatus,
    embeddingError: r.embeddingError,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

type Fields = Omit<
  NewListingRow,
  'id' | 'side' | 'contentHash' | 'embeddingStatus' | 'createdAt' | 'updatedAt'
>;

function fieldsOf(
  input: ListingPatch & Partial<Pick<ListingInput, 'source' | 'externalId'>>,
): Partial<Fields> {
  const f: Partial<Fields> = {};
  if (input.title !== undefined) f.title = input.title.trim();
  if (input.description !== undefined) f.description = input.description.trim();
  if (input.keywords !== undefined)
    f.keywords = [...new Set(input.keywords.map((k) => k.trim()).filter(Boolean))];
  if (input.industry !== undefined) f.industry = input.industry;
  if (input.regionCode !== undefined) f.regionCode = input.regionCode;
  if (input.maturity !== undefined) f.maturity = input.maturity;
  if (input.cooperationModes !== undefined) f.cooperationModes = input.cooperationModes;
  if (input.price !== undefined) {
    f.priceMin = input.price.min ?? null;
    f.priceMax = input.price.max ?? null;
  }
  if (input.ipType !== undefined) f.ipType = input.ipType;
  if (input.confidentiality !== undefined) f.confidentiality = input.confidentiality;
  if (input.status !== undefined) f.status = input.status;
  if (input.organisationId !== undefined) f.organisationId = input.organisationId;
  if (input.source !== undefined) f.source = input.source;
  if (input.externalId !== undefined) f.externalId = input.externalId;
  return f;
}

/** Rules TypeBox cannot express; thrown as 400s naming the field. */
function checkSemantics(
  input: ListingPatch & Partial<Pick<ListingInput, 'source' | 'externalId'>>,
): void {
  const p = input.price;
  if (p?.min !== undefined && p.max !== undefined && p.min > p.max) {
    throw new AppError('validation_failed', 'price.min must not exceed price.max');
  }
  if ((input.source === undefined) !== (input.externalId === undefined)) {
    throw new AppError(
      'validation_failed',
      'source and externalId go together: give both or neither',
    );
  }
}

/** Creating, changing and deleting listings, and keeping their embedding jobs in step. */
export class ListingService {
  constructor(
    private readonly repo: ListingRepo,
    private readonly queue: JobQueue,
    private readonly log: Logger,
  ) {}

  private checkOrganisation(id: string | undefined): void {
    if (id !== undefined && !this.repo.organisationExists(id)) {
      throw new AppError('validation_failed', `organisationId ${id} does not exist`);
    }
  }

  private buildRow(side: Side, input: ListingInput, now: Date): NewListingRow {
    const f = fieldsOf(input);
    const title = f.title ?? '';
    const description = f.description ?? '';
    const keywords = f.keywords ?? [];
    return {
      id: uuidv7(now.getTime()),
      side,
      title,
      description,
      keywords,
      industry: f.industry ?? null,
      regionCode: f.regionCode ?? null,
      maturity: f.maturity ?? null,
      cooperationModes: f.cooperationModes ?? [],
      priceMin: f.priceMin ?? null,
      priceMax: f.priceMax ?? null,
      ipType: f.ipType ?? null,
      confidentiality: f.confidentiality ?? 'public',
      status: f.status ?? 'active',
      organisationId: f.organisationId ?? null,
      source: f.source ?? null,
      externalId: f.externalId ?? null,
      contentHash: contentHash({ title, description, keywords }),
      embeddingStatus: 'pending',
      embeddingError: null,
      createdAt: now,
      updatedAt: now,
    };
  }

  /** Enqueues embedding after the rows are committed; if Redis is away the sweeper retries. */
  private async enqueue(rows: { id: string; contentHash: string }[]): Promise<void> {
    if (rows.length === 0) return;
    try {
      await this.queue.enqueue(
        'embed-listing',
        rows.map((r) => ({ listingId: r.id, contentHash: r.contentHash })),
      );
    } catch (err) {
      this.log.warn(
        { err, count: rows.length },
        'enqueue failed; rows stay pending and are retried',
      );
    }
  }

  async create(side: Side, input: ListingInput): Promise<Listing> {
    checkSemantics(input);
    this.checkOrganisation(input.organisationId);
    if (input.source !== undefined && input.externalId !== undefined) {
      const existing = this.repo.findByImportKey(side, input.source, input.externalId);
      if (existing) {
        throw new AppError(
          'conflict',
          `a ${side} with source "${input.source}" and externalId "${input.externalId}" exists (${existing.id}); use PATCH or the bulk endpoint`,
          { id: existing.id },
        );
      }
    }
    const row = this.repo.insert(this.buildRow(side, input, new Date()));
    await this.enqueue([row]);
    return toListing(row);
  }

  get(side: Side, id: string): Listing {
    return toListing(this.getRow(side, id));
  }

  getRow(side: Side, id: string): ListingRow {
    const row = this.repo.get(id);
    if (!row || row.side !== side) throw notFound(side, id);
    return row;
  }

  async patch(side: Side, id: string, input: ListingPatch): Promise<Listing> {
    checkSemantics(input);
    this.checkOrganisation(input.organisationId);
    const row = this.getRow(side, id);
    const updated = this.applyChange(row, input, new Date());
    if (updated.embeddingStatus === 'pending' && updated.contentHash !== row.contentHash) {
      await this.enqueue([updated]);
    }
    return toListing(updated);
  }

  /** Writes a change; a changed text resets the embedding to pending. */
  private applyChange(row: ListingRow, input: ListingPatch, now: Date): ListingRow {
    const f = fieldsOf(input);
    const hash = contentHash({
      title: f.title ?? row.title,
      description: f.description ?? row.description,
      keywords: f.keywords ?? row.keywords,
    });
    const changed = hash !== row.contentHash;
    const patch: Partial<NewListingRow> = { ...f, updatedAt: now };
    if (changed) {
      patch.contentHash = hash;
      patch.embeddingStatus = 'pending';
      patch.embeddingError = null;
    }
    const updated = this.repo.update(row.id, patch, changed);
    if (!updated) throw notFound(row.side, row.id);
    return updated;
  }

  remove(side: Side, id: string): void {
    this.getRow(side, id);
    this.repo.delete(id);
  }

  list(...args: Parameters<ListingRepo['list']>): { items: Listing[]; nextCursor: string | null } {
    const [f] = args;
    const rows = this.repo.list({ ...f, limit: f.limit + 1 });
    const more = rows.length > f.limit;
    const page = more ? rows.slice(0, f.limit) : rows;
    return { items: page.map(toListing), nextCursor: more ? page[page.length - 1]!.id : null };
  }

  /**
   * Imports up to the bulk limit in one transaction. Items with `source`+`externalId` are
   * idempotent: a repeat with the same content is `unchanged`, with new content `updated`.
   * Each item is validated alone; a bad item is reported and the rest still land.
   */
  async bulk(
    side: Side,
    items: unknown[],
    validate: (item: unknown) => { ok: true; value: ListingInput } | { ok: false; message: string },
  ): Promise<BulkItemResult[]> {
    const results: BulkItemResult[] = [];
    const toEmbed: { id: string; contentHash: string }[] = [];
    const now = new Date();
    const seenKeys = new Set<string>();
    this.repo.transaction(() => {
      items.forEach((item, index) => {
        const v = validate(item);
        if (!v.ok) {
          results.push({
            index,
            status: 'error',
            error: { code: 'validation_failed', message: v.message },
          });
          return;
        }
        const input = v.value;
        try {
          checkSemantics(input);
          this.checkOrganisation(input.organisationId);
          if (input.source !== undefined && input.externalId !== undefined) {
            const key = `${input.source}\u0000${input.externalId}`;
            if (seenKeys.has(key)) {
              throw new AppError(
                'validation_failed',
                'the same source+externalId appears twice in this request',
              );
            }
            seenKeys.add(key);
            const existing = this.repo.findByImportKey(side, input.source, input.externalId);
            if (existing) {
              const { source: _s, externalId: _e, ...patch } = input;
              if (!differs(existing, fieldsOf(patch))) {
                results.push({
                  index,
                  status: 'unchanged',
                  id: existing.id,
                  embeddingStatus: existing.embeddingStatus,
                });
                return;
              }
              const updated = this.applyChange(existing, patch, now);
              if (updated.contentHash !== existing.contentHash) toEmbed.push(updated);
              results.push({
                index,
                status: 'updated',
                id: updated.id,
                embeddingStatus: updated.embeddingStatus,
              });
              return;
            }
          }
          const row = this.repo.insert(this.buildRow(side, input, now));
          toEmbed.push(row);
          results.push({
            index,
            status: 'created',
            id: row.id,
            embeddingStatus: row.embeddingStatus,
          });
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          results.push({ index, status: 'error', error: { code: err.code, message: err.message } });
        }
      });
    });
    await this.enqueue(toEmbed);
    return results;
  }
}

/** True when a field of the change differs from the stored row. */
function differs(row: ListingRow, f: Partial<Fields>): boolean {
  return (Object.keys(f) as (keyof Fields)[]).some(
    (k) => JSON.stringify(row[k] ?? null) !== JSON.stringify(f[k] ?? null),
  );
}
