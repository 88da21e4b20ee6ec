/**
 * Identity of a durable entity. Its orchestration instance id is `@<name>@<key>` with the name
 * lower-cased (entity names are case-insensitive), the scheme Durable Functions uses.
 */
export class EntityId {
  readonly name: string;
  readonly key: string;

  constructor(name: string, key: string) {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError('EntityId requires a non-empty entity name.');
    if (typeof key !== 'string') throw new TypeError('EntityId requires a string key.');
    if (name.includes('@')) throw new TypeError(`Entity name '${name}' must not contain '@'.`);
    this.name = name.toLowerCase();
    this.key = key;
  }

  toString(): string {
    return entityInstanceId(this);
  }

  static fromInstanceId(instanceId: string): EntityId {
    const m = /^@([^@]+)@(.*)$/s.exec(instanceId);
    if (!m) throw new TypeError(`'${instanceId}' is not an entity instance id (expected '@name@key').`);
    return new EntityId(m[1], m[2]);
  }
}

export function entityInstanceId(entity: { name: string; key: string }): string {
  return `@${entity.name.toLowerCase()}@${entity.key}`;
}

export function isEntityInstanceId(instanceId: string): boolean {
  return /^@[^@]+@/.test(instanceId);
}

/** Canonical lock order: ordinal order of instance ids, so every orchestration locks in the same order. */
export function canonicalLockSet(entities: EntityId[]): EntityId[] {
  const byId = new Map<string, EntityId>();
  for (const e of entities) byId.set(entityInstanceId(e), e);
  return [...byId.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e);
}
